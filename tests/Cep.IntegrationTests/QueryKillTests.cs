using System.Diagnostics;
using System.Text;

namespace Cep.IntegrationTests;

/// <summary>
/// Exactly-once under kill -9: a <c>cep run</c> process running a windowed aggregation and a
/// pattern query over 1 M events is killed at random points, restarted each time, and its
/// output topic must equal an uninterrupted run's, record for record, in order per partition;
/// so must a <c>cep replay</c> of the query from offset zero.
/// </summary>
public sealed class QueryKillTests
{
    private const int Events = 1_000_000;
    private const int Seed = 20261125;

    /// <summary>Per card: spend per minute, and a small payment followed by a large one within 2 minutes.</summary>
    private static string Script(string output) => $$"""
        public sealed record Payment(string Card, int Amount, long At);
        var payments = Topic("payments", Serde.Utf8String, Serde.Utf8String,
                WatermarkStrategy<Keyed<string, string>>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(2))
                    .WithTimestampAssigner(p => long.Parse(p.Value.Split(',')[1])))
            .Select(p => new Payment(p.Key, int.Parse(p.Value.Split(',')[0]), long.Parse(p.Value.Split(',')[1])))
            .KeyBy(p => p.Card);
        payments.Window(TimeWindows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(p => (long)p.Amount)
            .Select(r => $"{r.Key},{r.Window.Start},spent,{r.Value}")
            .To("{{output}}", line => line.Split(',')[0], Serde.Utf8String, Serde.Utf8String);
        payments.Pattern(Pattern<Payment>.Begin("small").Where(p => p.Amount < 3)
                .FollowedBy("large").Where(p => p.Amount > 97)
                .Within(TimeSpan.FromMinutes(2)))
            .Select(m => $"{m["small"][0].Card},{m["small"][0].At},alert,{m["large"][0].At}")
            .To("{{output}}", line => line.Split(',')[0], Serde.Utf8String, Serde.Utf8String);
        """;

    [Fact]
    public async Task A_query_killed_at_random_points_writes_exactly_what_an_uninterrupted_run_writes()
    {
        using var data = new TempDirectory();
        foreach (string topic in new[] { "payments", "expected", "out" })
        {
            Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "create", topic, "--partitions", "2")).ExitCode);
        }
        string payments = data.Combine("payments.txt");
        var random = new Random(Seed);
        var lines = new StringBuilder();
        long start = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        for (int i = 0; i < Events; i++)
        {
            lines.Append("card-").Append(random.Next(5000)).Append('|').Append(random.Next(1, 101)).Append(',').Append(start + (i * 20L) + random.Next(0, 1500)).Append('\n');
        }
        File.WriteAllText(payments, lines.ToString());
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "produce", "payments", "--file", payments, "--key-separator", "|")).ExitCode);
        File.WriteAllText(data.Combine("reference.csx"), Script("expected"));
        File.WriteAllText(data.Combine("live.csx"), Script("out"));

        var reference = await CepProcess.RunAsync(data.Path, "run", data.Combine("reference.csx"), "--exit-when-caught-up");
        Assert.True(reference.ExitCode == 0, reference.Stderr);

        // Five runs that would go on tailing the input forever, each killed at a random point
        // (the first ones mid-input, later ones possibly once caught up), then one that ends
        // when caught up.
        for (int kill = 0; kill < 5; kill++)
        {
            using var run = Process.Start(CepProcess.StartInfo(data.Path, "run", data.Combine("live.csx"), "--checkpoint-interval", "0.3"))!;
            var log = new StringBuilder();
            var running = new TaskCompletionSource();
            var stderr = Task.Run(async () =>
            {
                while (await run.StandardError.ReadLineAsync() is { } line)
                {
                    lock (log)
                    {
                        log.AppendLine(line);
                    }
                    if (line.Contains("task 0: running from", StringComparison.Ordinal))
                    {
                        running.TrySetResult();
                    }
                }
            });
            // Killed at a random point after its tasks started (compiling and restoring come first).
            await Task.WhenAny(running.Task, run.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(60)));
            if (run.WaitForExit(random.Next(200, 1500)))
            {
                Assert.Fail($"run {kill} exited by itself (seed {Seed}): {log}");
            }
            run.Kill(entireProcessTree: true); // SIGKILL: no checkpoint, no flush, no cleanup
            await run.WaitForExitAsync();
            await stderr;
            if (kill == 0)
            {
                // The first kill comes mid-stream: some output is written, not all of it.
                int written = (await CepProcess.RunAsync(data.Path, "consume", "out")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                int total = (await CepProcess.RunAsync(data.Path, "consume", "expected")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
                Assert.True(written > 0 && written < total, $"after the first kill {written} of {total} records were written (seed {Seed})");
            }
        }
        var final = await CepProcess.RunAsync(data.Path, "run", data.Combine("live.csx"), "--exit-when-caught-up");
        Assert.True(final.ExitCode == 0, final.Stderr);

        // And a replay of the same query from offset zero into a new topic writes the same again.
        var replay = await CepProcess.RunAsync(data.Path, "replay", data.Combine("live.csx"), "--from-offset", "0", "--to-topic", "replayed");
        Assert.True(replay.ExitCode == 0, replay.Stderr);
        Assert.Contains($"replayed {Events} records", replay.Stdout);

        for (int partition = 0; partition < 2; partition++)
        {
            var expected = await CepProcess.RunAsync(data.Path, "consume", "expected", "--partition", partition.ToString(), "--print-key");
            Assert.Contains(",alert,", expected.Stdout);
            Assert.Contains(",spent,", expected.Stdout);
            foreach (string topic in new[] { "out", "replayed" })
            {
                var actual = await CepProcess.RunAsync(data.Path, "consume", topic, "--partition", partition.ToString(), "--print-key");
                Assert.Equal(expected.Stdout.Split('\n').Length, actual.Stdout.Split('\n').Length);
                Assert.True(expected.Stdout == actual.Stdout, $"{topic} partition {partition} differs (seed {Seed})");
            }
        }
    }
}
