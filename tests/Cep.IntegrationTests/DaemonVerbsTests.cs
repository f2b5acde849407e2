using System.Net.Http.Json;
using System.Text.Json;

namespace Cep.IntegrationTests;

/// <summary>
/// The verbs against a running daemon (through its admin API, found by the data directory or
/// given with --server) and against the data directory's catalog when no daemon runs.
/// </summary>
public sealed class DaemonVerbsTests
{
    private const string CountScript = """
        // Copies each click's page; prints the long ones on the console.
        var clicks = Topic("clicks", Serde.Utf8String, Serde.Utf8String);
        clicks.Where(c => c.Value.Length > 4).ToConsole(c => $"long click {c.Key}: {c.Value}");
        clicks.Select(c => c.Value).To("clicks-copy", Serde.Utf8String);
        """;

    [Fact]
    public async Task Topics_produce_consume_and_queries_work_through_the_daemon_that_owns_the_data_directory()
    {
        using var data = new TempDirectory();
        using var daemon = await DaemonProcess.StartAsync(data.Path);

        // No --server: the daemon owns --data ($CEP_DATA), so the verbs go through its API.
        var created = await CepProcess.RunAsync(data.Path, "topics", "create", "clicks", "--partitions", "2");
        Assert.Equal((0, "created topic clicks with 2 partition(s)\n"), (created.ExitCode, created.Stdout));
        var duplicate = await CepProcess.RunAsync(data.Path, "topics", "create", "clicks");
        Assert.Equal((1, "error: topic 'clicks' already exists\n"), (duplicate.ExitCode, duplicate.Stderr));

        var produced = await CepProcess.RunWithInputAsync(data.Path, "alice:home\nbob:checkout\nno separator\ncarol:cart\n", "produce", "clicks", "--key-separator", ":");
        Assert.Equal(1, produced.ExitCode);
        Assert.Contains("error: line 3: no key separator ':' found", produced.Stderr);
        Assert.Equal("appended 2 records to clicks before the error\n", produced.Stdout);

        var consumed = await CepProcess.RunAsync(data.Path, "consume", "clicks", "--print-key");
        Assert.Equal(0, consumed.ExitCode);
        Assert.Equal(["alice\thome", "bob\tcheckout"], consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());

        var altered = await CepProcess.RunAsync(data.Path, "topics", "alter", "clicks", "--partitions", "3", "--config", "retention.ms=60000", "--output", "json");
        Assert.Equal(0, altered.ExitCode);
        var topic = JsonDocument.Parse(altered.Stdout).RootElement;
        Assert.Equal(3, topic.GetProperty("partitions").GetArrayLength());
        Assert.Equal("60000", topic.GetProperty("config").GetProperty("retention.ms").GetString());
        Assert.Equal(2, topic.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("logEndOffset").GetInt64()));

        // A follower started first sees a record produced after it (through a long poll; from offset 0, so a slow start misses nothing).
        using var follower = System.Diagnostics.Process.Start(CepProcess.StartInfo(data.Path, "consume", "clicks", "--follow", "--partition", "2", "--offset", "0", "--max-messages", "1", "--print-offset"))!;
        var followed = follower.StandardOutput.ReadToEndAsync();
        await Task.Delay(1500);
        Assert.Equal(0, (await CepProcess.RunWithInputAsync(data.Path, "late:click\n", "produce", "clicks", "--partition", "2", "--key-separator", ":")).ExitCode);
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await follower.WaitForExitAsync(limit.Token);
        }
        Assert.Equal("2:0\tclick\n", await followed);

        // Queries: deployed through the daemon with an explicit --server; the verbs that need the directory itself say so.
        string script = data.Combine("copy.csx");
        await File.WriteAllTextAsync(script, CountScript);
        var deployed = await CepProcess.RunAsync(data.Path, "query", "deploy", script, "--server", daemon.Address, "--output", "json");
        Assert.True(deployed.ExitCode == 0, deployed.Stderr);
        Assert.Equal("running", JsonDocument.Parse(deployed.Stdout).RootElement.GetProperty("state").GetString());
        await DaemonProcess.Eventually(async () => (await daemon.Http.GetFromJsonAsync<JsonElement>("/groups/copy")).GetProperty("partitions").GetArrayLength() == 3);
        await DaemonProcess.Eventually(async () => (await daemon.Http.GetFromJsonAsync<JsonElement>("/groups/copy")).GetProperty("lag").GetInt64() == 0);
        var group = await daemon.Http.GetFromJsonAsync<JsonElement>("/groups/copy");
        Assert.Equal(3, group.GetProperty("members").GetInt32());
        Assert.Equal(3, group.GetProperty("partitions").EnumerateArray().Sum(p => p.GetProperty("endOffset").GetInt64()));
        Assert.All(group.GetProperty("partitions").EnumerateArray(), p => Assert.Equal(p.GetProperty("endOffset").GetInt64(), p.GetProperty("position").GetInt64()));
        var conflict = await daemon.Http.PostAsJsonAsync("/queries", new { path = RepositoryFiles.Combine("examples", "fraud.csx"), name = "copy" });
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Contains("query 'copy' already exists", await conflict.Content.ReadAsStringAsync());
        string metrics = await daemon.Http.GetStringAsync("/metrics");
        Assert.Contains("cep_input_lag{query=\"copy\",topic=\"clicks\",partition=\"2\"} 0", metrics);
        Assert.Contains("cep_watermark_delay{query=\"copy\",task=\"2\"}", metrics);
        // The query runs as a member of its consumer group: its status names the tasks run here, the rebalances and the lag.
        Assert.Contains("cep_query_rebalances_total{query=\"copy\"} 1", metrics);
        var status = JsonDocument.Parse((await CepProcess.RunAsync(data.Path, "query", "status", "copy", "--output", "json")).Stdout).RootElement;
        Assert.Equal([0, 1, 2], status.GetProperty("tasks").EnumerateArray().Select(t => t.GetInt32()));
        Assert.Equal((1, 0L), (status.GetProperty("rebalances").GetInt32(), status.GetProperty("lag").GetInt64()));
        var run = await CepProcess.RunAsync(data.Path, "run", script);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("is in use by another process", run.Stderr);
        var verify = await CepProcess.RunAsync(data.Path, "log", "verify", "--server", daemon.Address);
        Assert.Equal((1, "error: this verb works on a data directory, not through a daemon (--server " + daemon.Address + ")\n"), (verify.ExitCode, verify.Stderr));

        var stopped = await CepProcess.RunAsync(data.Path, "query", "stop", "copy", "--output", "json");
        Assert.Equal("stopped", JsonDocument.Parse(stopped.Stdout).RootElement.GetProperty("state").GetString());
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "delete", "clicks-copy")).ExitCode);
        Assert.Equal("clicks\ncopy-changelog\n", (await CepProcess.RunAsync(data.Path, "topics", "list")).Stdout); // the state changelog stays with the stopped query

        var (exitCode, output, log) = await daemon.StopAsync();
        Assert.True(exitCode == 0, log);
        // ToConsole: the daemon's standard output has the long clicks, and only those.
        Assert.Equal(["long click bob: checkout", "long click late: click"], output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        // Without the daemon, the same verbs work on the directory itself.
        Assert.Equal("clicks\ncopy-changelog\n", (await CepProcess.RunAsync(data.Path, "topics", "list")).Stdout); // the state changelog stays with the stopped query
        var unreachable = await CepProcess.RunAsync(data.Path, "topics", "list", "--server", daemon.Address);
        Assert.Equal(1, unreachable.ExitCode);
        Assert.StartsWith($"error: no daemon answers at {daemon.Address}", unreachable.Stderr);
    }

    [Fact]
    public async Task Queries_deployed_without_a_daemon_wait_in_the_catalog_and_the_next_daemon_runs_them()
    {
        using var data = new TempDirectory();
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "create", "clicks")).ExitCode);
        Assert.Equal(0, (await CepProcess.RunWithInputAsync(data.Path, "alice:home\nbob:checkout\n", "produce", "clicks", "--key-separator", ":")).ExitCode);
        string broken = data.Combine("broken.csx");
        await File.WriteAllTextAsync(broken, "var clicks = Topic(\"clicks\", Serde.Utf8String);\nclicks.Where(c => c.Lenght > 3);\n");
        var refused = await CepProcess.RunAsync(data.Path, "query", "deploy", broken);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"{broken}(2,21): error CS1061: 'string' does not contain a definition for 'Lenght'", refused.Stderr);
        Assert.Contains("does not compile (1 error(s)); nothing was run", refused.Stderr);

        string script = data.Combine("copy.csx");
        await File.WriteAllTextAsync(script, CountScript);
        var deployed = await CepProcess.RunAsync(data.Path, "query", "deploy", script, "--from-beginning", "--output", "json");
        Assert.True(deployed.ExitCode == 0, deployed.Stderr);
        var entry = JsonDocument.Parse(deployed.Stdout).RootElement;
        Assert.Equal(("copy", "deployed", 64), (entry.GetProperty("name").GetString(), entry.GetProperty("state").GetString(), entry.GetProperty("version").GetString()!.Length));
        var catalog = JsonDocument.Parse(await File.ReadAllTextAsync(data.Combine("catalog.json"))).RootElement[0];
        Assert.Equal("beginning", catalog.GetProperty("from").GetString());
        // The name is taken by that script: another one needs --replace.
        string other = data.Combine("other.csx");
        await File.WriteAllTextAsync(other, CountScript);
        var taken = await CepProcess.RunAsync(data.Path, "query", "deploy", other, "--name", "copy");
        Assert.Equal((1, $"error: query 'copy' already exists, deployed from {script}; deploy {other} under another name (--name), or with --replace to replace it\n"), (taken.ExitCode, taken.Stderr));
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "query", "deploy", other, "--name", "copy", "--replace", "--from-beginning")).ExitCode);
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "query", "deploy", script, "--replace", "--from-beginning")).ExitCode);

        // The next daemon runs it (from the beginning, as asked), and the start position is spent.
        using (var daemon = await DaemonProcess.StartAsync(data.Path, "--exit-when-caught-up"))
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await daemon.Process.WaitForExitAsync(limit.Token);
        }
        var copied = await CepProcess.RunAsync(data.Path, "consume", "clicks-copy");
        Assert.Equal("home\ncheckout\n", copied.Stdout);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(await File.ReadAllTextAsync(data.Combine("catalog.json"))).RootElement[0].GetProperty("from").ValueKind);

        // Stopped in the catalog: a daemon leaves it alone.
        var stopped = await CepProcess.RunAsync(data.Path, "query", "stop", "copy", "--output", "json");
        Assert.Equal("stopped", JsonDocument.Parse(stopped.Stdout).RootElement.GetProperty("state").GetString());
        using (var daemon = await DaemonProcess.StartAsync(data.Path))
        {
            var status = await daemon.Http.GetFromJsonAsync<JsonElement>("/queries/copy");
            Assert.Equal("stopped", status.GetProperty("state").GetString());
            Assert.Equal(0, (await daemon.Http.GetFromJsonAsync<JsonElement>("/groups")).GetArrayLength());
            var (exitCode, _, log) = await daemon.StopAsync();
            Assert.True(exitCode == 0, log);
            Assert.DoesNotContain("Redeployed copy", log);
        }
        var unknown = await CepProcess.RunAsync(data.Path, "query", "status", "nope");
        Assert.Equal((1, "error: no query 'nope' in the catalog\n"), (unknown.ExitCode, unknown.Stderr));
    }
}
