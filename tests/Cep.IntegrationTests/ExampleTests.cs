namespace Cep.IntegrationTests;

/// <summary>The examples a newcomer runs first, run the way the README says, with their documented output.</summary>
public sealed class ExampleTests
{
    private static string Repository => RepositoryFiles.Root;

    [Fact]
    public async Task The_card_fraud_example_alerts_on_a_tiny_payment_followed_by_a_large_one_within_ten_minutes()
    {
        using var data = new TempDirectory();
        var run = await CepProcess.RunAsync(data.Path, "run", Path.Combine(Repository, "examples", "fraud.csx"),
            "--input", $"payments={Path.Combine(Repository, "examples", "data", "payments.jsonl")}", "--exit-when-caught-up");
        Assert.True(run.ExitCode == 0, run.Stderr);
        // 0004: 11 minutes apart; 0005: large first; 0006: the large one is earlier in event time though it arrives later.
        Assert.Equal(
            [
                "alerts\tcard 4000-0002: 1.00 at 09:00:10, then 740.00 at 09:03:40",
                "alerts\tcard 4000-0007: 1.20 at 09:17:00, then 880.00 at 09:21:30",
            ],
            run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("appended 16 records", run.Stderr);
    }

    [Fact]
    public async Task The_sensor_example_averages_each_minute_every_30_seconds_and_alerts_above_80() =>
        Assert.Equal(
            [
                "alerts\tboiler too hot: 86.0 °C on average from 10:01:00 to 10:02:00",
                "alerts\tboiler too hot: 83.5 °C on average from 10:01:30 to 10:02:30",
                "averages\tboiler 09:59:30-10:00:30 71.0",
                "averages\tfreezer 09:59:30-10:00:30 -18.0",
                "averages\tboiler 10:00:00-10:01:00 73.0",
                "averages\tfreezer 10:00:00-10:01:00 -17.8",
                "averages\tboiler 10:00:30-10:01:30 79.5",
                "averages\tfreezer 10:00:30-10:01:30 -17.5",
                "averages\tboiler 10:01:00-10:02:00 86.0",
                "averages\tfreezer 10:01:00-10:02:00 -17.0",
                "averages\tboiler 10:01:30-10:02:30 83.5",
                "averages\tfreezer 10:01:30-10:02:30 -18.5",
                "averages\tboiler 10:02:00-10:03:00 79.0",
                "averages\tfreezer 10:02:00-10:03:00 -18.5",
            ],
            await RunExampleAsync("sensors", "readings"));

    [Fact]
    public async Task The_session_example_splits_each_users_clicks_at_five_minute_pauses() =>
        Assert.Equal(
            [
                "sessions\tbo: 2 clicks from 12:02:00 to 12:03:00",
                "sessions\tana: 3 clicks from 12:00:00 to 12:04:00",
                "sessions\tana: 2 clicks from 12:12:00 to 12:13:10",
                "sessions\tbo: 1 clicks from 12:20:00 to 12:20:00",
                "sessions\tcy: 1 clicks from 12:30:00 to 12:30:00",
            ],
            await RunExampleAsync("sessions", "clicks"));

    [Fact]
    public async Task The_v_shape_example_finds_the_dip_and_recovery_written_as_match_recognize() =>
        // INIT dips and recovers too, but a tick in between is neither lower nor above the start, and the recovery is 19 minutes later.
        Assert.Equal(["v-shapes\tACME: 100.0 down to 97.0 and back up to 101.0 at 14:03"], await RunExampleAsync("v-shape", "ticks"));

    [Fact]
    public async Task The_auction_example_gives_the_highest_bid_per_auction_per_10_seconds_and_the_busy_auctions() =>
        Assert.Equal(
            [
                "highest-bids\tauction 1001: highest bid 160 in 16:00:00+10s",
                "highest-bids\tauction 1002: highest bid 40 in 16:00:00+10s",
                "highest-bids\tauction 1002: highest bid 50 in 16:00:10+10s",
                "highest-bids\tauction 1003: highest bid 300 in 16:00:10+10s",
                "highest-bids\tauction 1003: highest bid 310 in 16:00:20+10s",
                "hot-auctions\tauction 1001: 3 bidders in 16:00:00+10s",
            ],
            await RunExampleAsync("auctions", "bids"));

    /// <summary>Runs examples/NAME.csx on examples/data/INPUT.jsonl until caught up; the records it wrote, grouped by topic (each topic's in the order written).</summary>
    private static async Task<List<string>> RunExampleAsync(string name, string input)
    {
        using var data = new TempDirectory();
        var run = await CepProcess.RunAsync(data.Path, "run", Path.Combine(Repository, "examples", $"{name}.csx"),
            "--input", $"{input}={Path.Combine(Repository, "examples", "data", $"{input}.jsonl")}", "--exit-when-caught-up");
        Assert.True(run.ExitCode == 0, run.Stderr);
        return run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).OrderBy(l => l.Split('\t')[0], StringComparer.Ordinal).ToList();
    }

    [Fact]
    public async Task The_readmes_first_command_runs_the_log_tour_and_every_example_to_its_alerts()
    {
        var info = new System.Diagnostics.ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(Repository, "examples", "quickstart.sh"));
        info.Environment["CEP_KAFKA"] = "127.0.0.1:0"; // any free port: the test machine may have a Kafka on 9092
        using var quickstart = System.Diagnostics.Process.Start(info)!;
        var stdout = quickstart.StandardOutput.ReadToEndAsync();
        var stderr = quickstart.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await quickstart.WaitForExitAsync(limit.Token);
        Assert.True(quickstart.ExitCode == 0, await stderr);
        string output = await stdout;
        Assert.Contains("ok: 1 topic(s)", output);
        Assert.Contains("alerts\tcard 4000-0002: 1.00 at 09:00:10, then 740.00 at 09:03:40", output);
        Assert.Contains("alerts\tboiler too hot: 86.0 °C on average from 10:01:00 to 10:02:00", output);
        Assert.Contains("sessions\tana: 3 clicks from 12:00:00 to 12:04:00", output);
        Assert.Contains("v-shapes\tACME: 100.0 down to 97.0 and back up to 101.0 at 14:03", output);
        Assert.Contains("hot-auctions\tauction 1001: 3 bidders in 16:00:00+10s", output);
    }

    [Fact]
    public async Task A_script_that_does_not_compile_is_refused_with_file_line_and_column()
    {
        using var data = new TempDirectory();
        string script = data.Combine("broken.csx");
        File.WriteAllText(script, "Topic(\"t\", Serde.Utf8String)\n    .Selec(v => v);\n");
        var run = await CepProcess.RunAsync(data.Path, "run", script);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{script}(2,6): error CS1061: 'Stream<string>' does not contain a definition for 'Selec'", run.Stderr);
        Assert.Contains("does not compile (1 error(s)); nothing was run", run.Stderr);
    }
}
