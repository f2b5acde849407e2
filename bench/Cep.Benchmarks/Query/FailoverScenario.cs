using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Cep.Connectors.Kafka;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Benchmarks.Query;

/// <summary>
/// Failover between two <c>cep daemon</c> processes sharing a query with 1 M keys of state (a
/// per-key count over a year-long window, 2 tasks of 500 K keys each): the time a joining
/// daemon takes to restore its task's state from the changelog alone and catch up, and — after
/// it is killed with SIGKILL while events keep arriving — the time until its task writes output
/// again on the first daemon (session timeout, rebalance, restore, replay since the last
/// checkpoint).
/// </summary>
internal sealed class FailoverScenario : IScenario
{
    private const double SessionTimeoutSeconds = 3;
    private const double CheckpointSeconds = 2;

    private static readonly string Script = """
        var events = Topic("events", Serde.Utf8String, Serde.Utf8String);
        events.KeyBy(e => e.Key)
            .Window(TimeWindows.Tumbling(TimeSpan.FromDays(365)))
            .Count()
            .Select(r => $"{r.Key},{r.Value}")
            .To("counts", Serde.Utf8String);
        events.Select(e => e.Key).To("seen", Serde.Utf8String);
        """;

    public string Name => "failover";

    public string Description => "two daemons share a query with 1 M keys of state; kill one: time until its task writes output again";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        int keys = quick ? 200_000 : 1_000_000;
        using var directory = new TempDirectory(Name);
        string first = Path.Combine(directory.Path, "first"), second = Path.Combine(directory.Path, "second");
        Generate(first, keys);
        foreach (string folder in new[] { "queries-first", "queries-second" })
        {
            Directory.CreateDirectory(Path.Combine(directory.Path, folder));
            await File.WriteAllTextAsync(Path.Combine(directory.Path, folder, "failover.csx"), Script);
        }
        string[] common = ["--checkpoint-interval", $"{CheckpointSeconds}", "--session-timeout", $"{SessionTimeoutSeconds}", "--workers", "1"];

        using var a = await BenchDaemon.StartAsync(first, ["--kafka", "127.0.0.1:0", "--queries", Path.Combine(directory.Path, "queries-first"), .. common]);
        var watch = Stopwatch.StartNew();
        await BenchDaemon.Until(async () => await StatusAsync(a) is { Tasks: 2, Lag: 0 });
        double alone = watch.Elapsed.TotalMilliseconds;
        await Task.Delay(TimeSpan.FromSeconds(CheckpointSeconds * 1.5)); // its state checkpointed: the changelog holds every key

        watch.Restart();
        using var b = await BenchDaemon.StartAsync(second, ["--join", a.Kafka!, "--queries", Path.Combine(directory.Path, "queries-second"), .. common]);
        await BenchDaemon.Until(async () => await StatusAsync(b) is { Tasks: 1, Lag: 0 });
        double joined = watch.Elapsed.TotalMilliseconds;
        int moved = (await StatusAsync(b)).First;
        await Task.Delay(TimeSpan.FromSeconds(CheckpointSeconds * 1.5));

        using var log = new ProtocolTopicLog(a.Kafka!, "failover-bench");
        using var trickle = new CancellationTokenSource();
        var producing = TrickleAsync(log, trickle.Token);
        await Task.Delay(500);
        long seenAtKill = log.EndOffset("seen", moved);
        b.Kill();
        watch.Restart();
        double reassigned = 0;
        await BenchDaemon.Until(async () =>
        {
            if (reassigned == 0 && await StatusAsync(a) is { Tasks: 2 })
            {
                reassigned = watch.Elapsed.TotalMilliseconds;
            }
            return log.EndOffset("seen", moved) > seenAtKill;
        });
        double failover = watch.Elapsed.TotalMilliseconds;
        await trickle.CancelAsync();
        await producing;

        var metrics = new MetricSet()
            .Add("failover_ms", failover)
            .Add("reassigned_ms", reassigned)
            .Add("join_restore_ms", joined)
            .Add("first_run_ms", alone);
        return new ScenarioResult(
            Name,
            $"{keys:N0} keys in 2 partitions, a count per key over a year-long window (state: {keys:N0} entries), 2 daemon processes on loopback, session timeout {SessionTimeoutSeconds} s, checkpoints every {CheckpointSeconds} s, 1 worker thread each; events keep arriving (1 per partition per 10 ms) when the second daemon is killed",
            metrics,
            "failover_ms",
            0,
            null,
            [
                "failover_ms: SIGKILL of the daemon running task " + moved + " → the first new record of that task's output on the other daemon; it includes the session timeout (the coordinator's wait before it rebalances), which dominates.",
                "reassigned_ms: SIGKILL → the surviving daemon reports the task as its own (its status polled every 50 ms).",
                $"join_restore_ms: the second daemon starts (a .NET process) → its task, whose {keys / 2:N0} keys of state it never had, is restored from the changelog and caught up.",
                "first_run_ms: the first daemon alone from start to caught up over all keys (compiling the script, processing, no checkpoint yet required).",
            ]);
    }

    /// <summary>The input: one event per key, keys alternating between the two partitions, written before any daemon runs.</summary>
    private static void Generate(string data, int keys)
    {
        using var store = TopicStore.Open(data);
        store.CreateTopic("events", 2);
        long start = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        for (int partition = 0; partition < 2; partition++)
        {
            var builder = new RecordBatchBuilder();
            for (int i = partition; i < keys; i += 2)
            {
                builder.Add(start + i, Encoding.UTF8.GetBytes($"key-{i}"), "1"u8.ToArray());
                if (builder.Count == 5000)
                {
                    store.GetPartition("events", partition).AppendAsync(builder.Build().ToArray()).AsTask().GetAwaiter().GetResult();
                    builder.Reset();
                }
            }
            if (builder.Count > 0)
            {
                store.GetPartition("events", partition).AppendAsync(builder.Build().ToArray()).AsTask().GetAwaiter().GetResult();
            }
        }
    }

    /// <summary>One new key per partition every 10 ms, through the first daemon's Kafka listener.</summary>
    private static async Task TrickleAsync(ProtocolTopicLog log, CancellationToken cancellationToken)
    {
        var builder = new RecordBatchBuilder();
        for (int n = 0; !cancellationToken.IsCancellationRequested; n++)
        {
            for (int partition = 0; partition < 2; partition++)
            {
                builder.Reset();
                builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Encoding.UTF8.GetBytes($"probe-{n}-{partition}"), "1"u8.ToArray());
                await log.AppendAsync("events", partition, builder.Build().ToArray());
            }
            try
            {
                await Task.Delay(10, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static async Task<(int Tasks, long? Lag, int First)> StatusAsync(BenchDaemon daemon)
    {
        try
        {
            var status = await daemon.Http.GetFromJsonAsync<JsonElement>("/queries/failover");
            if (status.GetProperty("state").GetString() == "failed")
            {
                throw new InvalidOperationException(status.GetProperty("error").GetString());
            }
            var tasks = status.TryGetProperty("tasks", out var t) && t.ValueKind == JsonValueKind.Array ? t.EnumerateArray().Select(e => e.GetInt32()).ToList() : [];
            long? lag = status.TryGetProperty("lag", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt64() : null;
            return (tasks.Count, lag, tasks.Count > 0 ? tasks[0] : -1);
        }
        catch (HttpRequestException)
        {
            return (0, null, -1); // not deployed yet
        }
    }
}
