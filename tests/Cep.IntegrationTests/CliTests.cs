namespace Cep.IntegrationTests;

/// <summary>The documented command line, run as a user runs it.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Create_produce_consume_describe_and_delete_a_topic()
    {
        using var data = new TempDirectory();
        var created = await CepProcess.RunAsync(data.Path, "topics", "create", "orders", "--partitions", "3", "--config", "retention.ms=3600000");
        Assert.Equal((0, "created topic orders with 3 partition(s)\n"), (created.ExitCode, created.Stdout));

        string input = string.Join("\n", Enumerable.Range(0, 300).Select(i => $"customer-{i % 7}|order {i}")) + "\n";
        var produced = await CepProcess.RunWithInputAsync(data.Path, input, "produce", "orders", "--key-separator", "|");
        Assert.Equal((0, "appended 300 records to orders\n"), (produced.ExitCode, produced.Stdout));

        var consumed = await CepProcess.RunAsync(data.Path, "consume", "orders", "--print-key", "--print-offset");
        Assert.Equal(0, consumed.ExitCode);
        var lines = consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
        Assert.Equal(300, lines.Count);
        // Every record once; one key always in one partition; offsets in order within a partition; order kept per key.
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"order {i}").Order(), lines.Select(l => l[2]).Order());
        Assert.All(lines.GroupBy(l => l[1]), g => Assert.Single(g.Select(l => l[0].Split(':')[0]).Distinct()));
        foreach (var partition in lines.GroupBy(l => l[0].Split(':')[0]))
        {
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => i.ToString()), partition.Select(l => l[0].Split(':')[1]));
        }
        foreach (var key in lines.GroupBy(l => l[1]))
        {
            var numbers = key.Select(l => int.Parse(l[2]["order ".Length..])).ToList();
            Assert.Equal(numbers.Order(), numbers);
        }

        var listed = await CepProcess.RunAsync(data.Path, "topics", "list");
        Assert.Equal("orders\n", listed.Stdout);
        var described = await CepProcess.RunAsync(data.Path, "topics", "describe", "orders");
        Assert.Contains("Partitions: 3", described.Stdout);
        Assert.Contains("3600000", described.Stdout);
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "delete", "orders")).ExitCode);
        Assert.Equal("", (await CepProcess.RunAsync(data.Path, "topics", "list")).Stdout);
    }

    [Fact]
    public async Task Consume_starts_at_an_offset_or_a_time_and_stops_after_max_messages()
    {
        using var data = new TempDirectory();
        await CepProcess.RunAsync(data.Path, "topics", "create", "t");
        await CepProcess.RunWithInputAsync(data.Path, string.Join("\n", Enumerable.Range(0, 50).Select(i => $"v{i}")), "produce", "t");

        var fromOffset = await CepProcess.RunAsync(data.Path, "consume", "t", "--partition", "0", "--offset", "45");
        Assert.Equal("v45\nv46\nv47\nv48\nv49\n", fromOffset.Stdout);
        var limited = await CepProcess.RunAsync(data.Path, "consume", "t", "--max-messages", "2", "--print-offset");
        Assert.Equal("0:0\tv0\n0:1\tv1\n", limited.Stdout);
        var fromPast = await CepProcess.RunAsync(data.Path, "consume", "t", "--from-time", "2000-01-01T00:00:00Z", "--max-messages", "1");
        Assert.Equal("v0\n", fromPast.Stdout);
        var fromFuture = await CepProcess.RunAsync(data.Path, "consume", "t", "--from-time", "2999-01-01T00:00:00Z");
        Assert.Equal((0, ""), (fromFuture.ExitCode, fromFuture.Stdout));
        var following = await CepProcess.RunAsync(data.Path, "consume", "t", "--follow", "--from-beginning", "--max-messages", "3");
        Assert.Equal((0, "v0\nv1\nv2\n"), (following.ExitCode, following.Stdout));
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_error_and_a_non_zero_exit()
    {
        using var data = new TempDirectory();
        await CepProcess.RunAsync(data.Path, "topics", "create", "t", "--partitions", "2");

        var unknown = await CepProcess.RunAsync(data.Path, "consume", "nope");
        Assert.Equal((1, "error: topic 'nope' does not exist\n"), (unknown.ExitCode, unknown.Stderr));
        var range = await CepProcess.RunAsync(data.Path, "consume", "t", "--partition", "1", "--offset", "7");
        Assert.Equal((1, "error: offset 7 is out of range for t/1; valid offsets are [0, 0]\n"), (range.ExitCode, range.Stderr));
        var partition = await CepProcess.RunAsync(data.Path, "consume", "t", "--partition", "9");
        Assert.Equal((1, "error: topic 't' has no partition 9; valid partitions are 0..1\n"), (partition.ExitCode, partition.Stderr));
        var name = await CepProcess.RunAsync(data.Path, "topics", "create", "a:b");
        Assert.Equal(1, name.ExitCode);
        Assert.Contains("topic name 'a:b' has ':' at position 2", name.Stderr);
        var config = await CepProcess.RunAsync(data.Path, "topics", "create", "c", "--config", "retention.ms=soon");
        Assert.Equal((1, "error: config 'retention.ms' has value 'soon'; expected an integer in [-1, 9223372036854775807]\n"), (config.ExitCode, config.Stderr));
        var usage = await CepProcess.RunAsync(data.Path, "consume", "t", "--offset", "3");
        Assert.NotEqual(0, usage.ExitCode);
        Assert.Contains("--offset needs --partition", usage.Stderr);
    }

    [Fact]
    public async Task Produce_keeps_the_lines_before_a_bad_one_and_says_how_many()
    {
        using var data = new TempDirectory();
        await CepProcess.RunAsync(data.Path, "topics", "create", "t");
        var produced = await CepProcess.RunWithInputAsync(data.Path, "k1=a\nk2=b\nno separator here\nk3=c\n", "produce", "t", "--key-separator", "=");
        Assert.Equal(1, produced.ExitCode);
        Assert.Equal("error: line 3: no key separator '=' found\n", produced.Stderr);
        Assert.Equal("appended 2 records to t before the error\n", produced.Stdout);
        Assert.Equal("k1\ta\nk2\tb\n", (await CepProcess.RunAsync(data.Path, "consume", "t", "--print-key")).Stdout);
    }

    [Fact]
    public async Task Log_verify_finds_a_corrupt_batch_in_a_sealed_segment_and_names_it()
    {
        using var data = new TempDirectory();
        await CepProcess.RunAsync(data.Path, "topics", "create", "t", "--config", "segment.bytes=1024");
        // One line per produce call, so each record is its own batch and segments fill up.
        for (int i = 0; i < 12; i++)
        {
            Assert.Equal(0, (await CepProcess.RunWithInputAsync(data.Path, $"line {i} {new string('x', 200)}\n", "produce", "t")).ExitCode);
        }
        var clean = await CepProcess.RunAsync(data.Path, "log", "verify");
        Assert.Equal((0, "ok: 1 topic(s), 12 records checked\n"), (clean.ExitCode, clean.Stdout));

        string segment = Path.Combine(data.Path, "topics", "t", "0", "00000000000000000000.log");
        var bytes = File.ReadAllBytes(segment);
        bytes[100] ^= 0x01; // in the first batch's records
        File.WriteAllBytes(segment, bytes);

        var verify = await CepProcess.RunAsync(data.Path, "log", "verify", "t");
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("t/0: segment 00000000000000000000.log", verify.Stdout);
        Assert.Contains("corrupt record batch at base offset 0: CRC mismatch", verify.Stdout);
        var consume = await CepProcess.RunAsync(data.Path, "consume", "t");
        Assert.Equal(1, consume.ExitCode);
        Assert.StartsWith("error: t/0 offset 0: corrupt record batch at base offset 0: CRC mismatch", consume.Stderr);
    }

    [Fact]
    public async Task Log_clean_applies_retention()
    {
        using var data = new TempDirectory();
        await CepProcess.RunAsync(data.Path, "topics", "create", "t", "--config", "segment.bytes=1024", "--config", "retention.bytes=1");
        for (int i = 0; i < 6; i++)
        {
            await CepProcess.RunWithInputAsync(data.Path, $"line {i} {new string('x', 400)}\n", "produce", "t");
        }
        var cleaned = await CepProcess.RunAsync(data.Path, "log", "clean");
        Assert.Equal(0, cleaned.ExitCode);
        Assert.StartsWith("deleted ", cleaned.Stdout);
        Assert.DoesNotContain("deleted 0 ", cleaned.Stdout);
        var remaining = (await CepProcess.RunAsync(data.Path, "consume", "t")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(remaining.Length < 6);
        Assert.StartsWith("line 5 ", remaining[^1]);
    }
}
