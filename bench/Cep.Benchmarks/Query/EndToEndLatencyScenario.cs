using System.Buffers.Binary;
using System.Diagnostics;
using Cep.Engine.Runtime;
using Cep.Query;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Benchmarks.Query;

/// <summary>
/// Latency from append to output append through a deployed script query: a producer appends
/// 100 K events/s to a topic (a batch of 100 every millisecond, each value the
/// <see cref="Stopwatch"/> time of its append), a compiled script query passes them through to
/// another topic, and a reader tailing the output takes, for each record, the time from its
/// input append to the moment its output batch is readable. Everything on the embedded log
/// (flush.policy=os), in one process; percentiles over every record after a 1 s warm-up.
/// </summary>
internal sealed class EndToEndLatencyScenario : IScenario
{
    private const int EventsPerMs = 100;

    public string Name => "end-to-end-latency";

    public string Description => "append → query → output append latency at 100 K events/s through a script query";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        using var directory = new TempDirectory("latency");
        using var store = TopicStore.Open(Path.Combine(directory.Path, "log"));
        var config = new Dictionary<string, string> { ["flush.policy"] = "os" };
        store.CreateTopic("in", 1, config: config);
        store.CreateTopic("out", 1, config: config);
        string path = Path.Combine(directory.Path, "pass.csx");
        File.WriteAllText(path, """Topic("in", Serde.Bytes).To("out", Serde.Bytes);""");
        using var script = QueryScript.Load(path);
        using var stop = new CancellationTokenSource();
        var query = QueryRunner.RunAsync("pass", script.Define, new EmbeddedTopicLog(store), new QueryOptions { MaxRecordsPerIteration = 1000 }, stop.Token);

        var seconds = TimeSpan.FromSeconds(quick ? 4 : 15);
        var latencies = new List<double>(EventsPerMs * 1000 * (int)seconds.TotalSeconds);
        var reader = Task.Run(() => ReadAsync(store, latencies, stop.Token));
        long produced = await ProduceAsync(store, seconds);
        await Task.Delay(500); // the last batches through
        await stop.CancelAsync();
        await Task.WhenAll(query.ContinueWith(_ => { }, TaskScheduler.Default), reader.ContinueWith(_ => { }, TaskScheduler.Default));

        var measured = latencies.Skip(EventsPerMs * 1000).Order().ToList(); // after 1 s of warm-up
        double Percentile(double p) => measured[Math.Min(measured.Count - 1, (int)(p * measured.Count))];
        var metrics = new MetricSet()
            .Add("p50_ms", Percentile(0.50))
            .Add("p99_ms", Percentile(0.99))
            .Add("p999_ms", Percentile(0.999))
            .Add("max_ms", measured[^1])
            .Add("events", produced)
            .Add("measured", measured.Count)
            .Add("events_per_s", produced / seconds.TotalSeconds);
        return new ScenarioResult(
            Name,
            $"{EventsPerMs * 1000:N0} events/s for {seconds.TotalSeconds:F0} s (batches of {EventsPerMs} every ms), script `Topic(\"in\", Serde.Bytes).To(\"out\", Serde.Bytes)`, one partition, flush.policy=os",
            metrics,
            "p99_ms",
            0,
            null,
            ["p99_ms must stay below 10 (DESIGN §7); the reader's own wake-up is counted in the latency."]);
    }

    private static async Task<long> ProduceAsync(TopicStore store, TimeSpan duration)
    {
        var log = store.GetPartition("in", 0);
        var clock = Stopwatch.StartNew();
        var value = new byte[8];
        long produced = 0;
        for (long ms = 0; clock.Elapsed < duration; ms++)
        {
            while (clock.Elapsed.TotalMilliseconds < ms)
            {
                Thread.SpinWait(50);
            }
            var batch = new RecordBatchBuilder();
            for (int i = 0; i < EventsPerMs; i++)
            {
                BinaryPrimitives.WriteInt64LittleEndian(value, Stopwatch.GetTimestamp());
                batch.Add(ms, ReadOnlySpan<byte>.Empty, value);
            }
            await log.AppendAsync(batch.Build().ToArray());
            produced += EventsPerMs;
        }
        return produced;
    }

    private static async Task ReadAsync(TopicStore store, List<double> latencies, CancellationToken stop)
    {
        var log = store.GetPartition("out", 0);
        var buffer = new byte[1 << 20];
        long offset = 0;
        while (!stop.IsCancellationRequested)
        {
            await log.WaitForDataAsync(offset, stop);
            long now = Stopwatch.GetTimestamp();
            foreach (var batch in RecordBatch.ReadAll(log.Read(offset, buffer).Records))
            {
                foreach (var record in batch)
                {
                    if (record.Offset >= offset && record.Value is { } v)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(BinaryPrimitives.ReadInt64LittleEndian(v.Span), now).TotalMilliseconds);
                    }
                }
                offset = batch.LastOffset + 1;
            }
        }
    }
}
