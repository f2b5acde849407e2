using System.Text;
using System.Text.Json;

namespace Cep.IntegrationTests;

/// <summary>
/// Scale-out across processes: a second <c>cep daemon --join</c> shares a query's tasks with the
/// first (3/3 of 6), carrying their state through the changelog; killed with SIGKILL, its tasks
/// go back to the first daemon, which restores them from the changelog, and the output equals
/// that of an uninterrupted single-daemon run of the same query, record for record.
/// </summary>
public sealed class TwoDaemonTests
{
    private const int Keys = 60;
    private const int PerChunk = 20_000;

    internal static string Script(string output) => $$"""
        var events = Topic("events", Serde.Utf8String, Serde.Utf8String,
                WatermarkStrategy<Keyed<string, string>>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1))
                    .WithTimestampAssigner(e => long.Parse(e.Value)))
            .KeyBy(e => e.Key);
        events.Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(10)))
            .Count()
            .Select(r => $"{r.Key},{r.Window.Start},{r.Value}")
            .To("{{output}}", line => line.Split(',')[0], Serde.Utf8String, Serde.Utf8String);
        """;

    [Theory]
    [InlineData(0)] // the moved tasks restore from the changelog
    [InlineData(1)] // the first daemon keeps standbys of the second's tasks and restores them from those
    public async Task Two_daemons_share_a_query_3_and_3_and_after_one_is_killed_the_other_finishes_it_exactly_once(int standbys)
    {
        using var data = new TempDirectory();
        string first = data.Combine("first"), second = data.Combine("second");
        Assert.Equal(0, (await CepProcess.RunAsync(first, "topics", "create", "events", "--partitions", "6")).ExitCode);
        Directory.CreateDirectory(data.Combine("queries-first"));
        Directory.CreateDirectory(data.Combine("queries-second"));
        File.WriteAllText(data.Combine("queries-first", "counts.csx"), Script("out"));
        File.WriteAllText(data.Combine("queries-second", "counts.csx"), Script("out"));
        // Only the first daemon runs the reference: one member, never interrupted.
        File.WriteAllText(data.Combine("queries-first", "reference.csx"), Script("expected"));
        string[] common = ["--checkpoint-interval", "0.2", "--session-timeout", "4", "--workers", "2", "--standby-replicas", standbys.ToString(System.Globalization.CultureInfo.InvariantCulture)];

        using var a = await DaemonProcess.StartAsync(first, ["--queries", data.Combine("queries-first"), .. common]);
        await ProduceAsync(data, first, chunk: 0);
        await DaemonProcess.Eventually(async () => (await StatusAsync(a, "counts")).Tasks == 6);

        using var b = await DaemonProcess.StartAsync(second, ["--join", a.KafkaAddress, "--queries", data.Combine("queries-second"), .. common]);
        await DaemonProcess.Eventually(async () => (await StatusAsync(a, "counts")).Tasks == 3 && (await StatusAsync(b, "counts")).Tasks == 3);
        await ProduceAsync(data, first, chunk: 1);
        await DaemonProcess.Eventually(async () => (await StatusAsync(b, "counts")).Lag == 0);

        await ProduceAsync(data, first, chunk: 2);
        b.Process.Kill(); // SIGKILL, wherever it is
        await b.Process.WaitForExitAsync();

        await DaemonProcess.Eventually(async () => (await StatusAsync(a, "counts")).Tasks == 6);
        await DaemonProcess.Eventually(async () =>
            (await StatusAsync(a, "counts")).Lag == 0 && (await StatusAsync(a, "reference")).Lag == 0
            && (await ReadAsync(a, "out")).Sum(p => p.Count) == (await ReadAsync(a, "expected")).Sum(p => p.Count));

        var expected = await ReadAsync(a, "expected");
        Assert.True(expected.Sum(p => p.Count) > 3 * PerChunk / 10 / Keys, "the reference wrote too little to compare");
        Assert.Equal(expected, await ReadAsync(a, "out"));
        var (exit, _, log) = await a.StopAsync();
        Assert.True(exit == 0, log);
        // Without standbys the moved tasks' state comes from the second daemon's changes in the changelog; with them, mostly from the local standby copy.
        Assert.Matches(standbys == 0 ? "restored from counts-changelog: applied [1-9][0-9]* changes" : "restored from counts-changelog: applied [0-9]+ changes", log);
    }

    [Fact]
    public async Task A_query_of_the_same_name_but_other_code_on_a_joining_daemon_gets_no_task_and_says_why()
    {
        using var data = new TempDirectory();
        string first = data.Combine("first"), second = data.Combine("second");
        Assert.Equal(0, (await CepProcess.RunAsync(first, "topics", "create", "events", "--partitions", "6")).ExitCode);
        Directory.CreateDirectory(data.Combine("queries-first"));
        Directory.CreateDirectory(data.Combine("queries-second"));
        File.WriteAllText(data.Combine("queries-first", "counts.csx"), Script("out"));
        File.WriteAllText(data.Combine("queries-second", "counts.csx"), Script("elsewhere"));
        string[] common = ["--checkpoint-interval", "0.2", "--session-timeout", "4"];
        using var a = await DaemonProcess.StartAsync(first, ["--queries", data.Combine("queries-first"), .. common]);
        await DaemonProcess.Eventually(async () => (await StatusAsync(a, "counts")).Tasks == 6);

        using var b = await DaemonProcess.StartAsync(second, ["--join", a.KafkaAddress, "--queries", data.Combine("queries-second"), .. common]);
        string error = "";
        await DaemonProcess.Eventually(async () =>
        {
            using var status = JsonDocument.Parse(await b.Http.GetStringAsync("/queries/counts"));
            error = status.RootElement.GetProperty("error").GetString() ?? "";
            return status.RootElement.GetProperty("state").GetString() == "failed";
        });
        Assert.Matches("query 'counts': this member runs version [0-9a-f]+ of it, but its group runs version [0-9a-f]+ .*deploy the same script everywhere, or give one another name", error);

        // The first daemon's query never stopped and still has every task.
        await ProduceAsync(data, first, chunk: 0);
        await DaemonProcess.Eventually(async () => (await StatusAsync(a, "counts")).Lag == 0 && (await ReadAsync(a, "out")).Sum(p => p.Count) > 0);
        Assert.Equal(6, (await StatusAsync(a, "counts")).Tasks);
        var (exit, _, log) = await a.StopAsync();
        Assert.True(exit == 0, log);
        Assert.Contains("gets no task", log, StringComparison.Ordinal);
    }

    /// <summary>20,000 events per chunk over 60 keys, 100 ms apart in event time, appended through the first daemon.</summary>
    internal static async Task ProduceAsync(TempDirectory data, string dataDirectory, int chunk)
    {
        long start = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var lines = new StringBuilder();
        for (int i = chunk * PerChunk; i < (chunk + 1) * PerChunk; i++)
        {
            lines.Append("k").Append(i % Keys).Append('|').Append(start + (i * 100L)).Append('\n');
        }
        string file = data.Combine($"chunk-{chunk}.txt");
        await File.WriteAllTextAsync(file, lines.ToString());
        var produced = await CepProcess.RunAsync(dataDirectory, "produce", "events", "--file", file, "--key-separator", "|");
        Assert.True(produced.ExitCode == 0, produced.Stderr);
    }

    internal static async Task<(int Tasks, long? Lag)> StatusAsync(DaemonProcess daemon, string query)
    {
        using var status = JsonDocument.Parse(await daemon.Http.GetStringAsync($"/queries/{query}"));
        var root = status.RootElement;
        Assert.True(root.GetProperty("state").GetString() != "failed", root.GetProperty("error").GetString());
        var tasks = root.TryGetProperty("tasks", out var t) && t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(e => e.GetInt32()).ToList() : [];
        long? lag = root.TryGetProperty("lag", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt64() : null;
        return (tasks.Count, lag);
    }

    /// <summary>Every record of each partition of <paramref name="topic"/>, in offset order, as "key=value".</summary>
    internal static async Task<List<List<string>>> ReadAsync(DaemonProcess daemon, string topic)
    {
        var partitions = new List<List<string>>();
        for (int partition = 0; partition < 6; partition++)
        {
            var records = new List<string>();
            while (true)
            {
                using var page = JsonDocument.Parse(await daemon.Http.GetStringAsync($"/topics/{topic}/records?partition={partition}&offset={records.Count}&max=10000"));
                var batch = page.RootElement.EnumerateArray().Select(r => $"{r.GetProperty("key").GetString()}={r.GetProperty("value").GetString()}").ToList();
                if (batch.Count == 0)
                {
                    break;
                }
                records.AddRange(batch);
            }
            partitions.Add(records);
        }
        return partitions;
    }
}
