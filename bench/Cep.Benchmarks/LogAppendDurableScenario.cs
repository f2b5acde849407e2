using System.Diagnostics;
using Cep.Storage.Log;
using Cep.Storage.Records;

namespace Cep.Benchmarks;

/// <summary>
/// Eight producer tasks each append batches of 1000 records (null key, 100-byte value) to
/// one partition with flush.policy=group: each AppendAsync completes only after an fsync
/// that covers it, and a producer sends its next batch only after the ack. The peer does the
/// same with FasterLog: Enqueue(batch) then await CommitAsync() per batch.
/// </summary>
internal sealed class LogAppendDurableScenario : IScenario
{
    private const int Producers = 8;
    private const int Rounds = 3;

    public string Name => "log-append-durable";

    public string Description => "8 producers, batches of 1000 x 100 B, flush.policy=group (ack after fsync); vs FasterLog commit per batch";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        int batchesPerProducer = quick ? 150 : 500;
        await AppendOursAsync(20);
        await AppendPeerAsync(20);
        var oursRounds = new List<MetricSet>();
        var peerRounds = new List<MetricSet>();
        for (int round = 0; round < Rounds; round++)
        {
            oursRounds.Add(await AppendOursAsync(batchesPerProducer));
            peerRounds.Add(await AppendPeerAsync(batchesPerProducer));
        }
        var ours = Results.Median(oursRounds, "records_per_s");
        var peer = Results.Median(peerRounds, "records_per_s");
        return new ScenarioResult(
            Name,
            $"{Rounds} rounds (median shown) of {Producers} producers x {batchesPerProducer} batches x {Payload.RecordsPerBatch} records = {(long)Producers * batchesPerProducer * Payload.RecordsPerBatch:N0} records, key null, value {Payload.ValueSize} B, one partition, flush.policy=group",
            ours,
            "records_per_s",
            1_000_000,
            new PeerResult("FasterLog", FasterLogHost.Setup + "; per batch: Enqueue(IReadOnlySpanBatch) then await CommitAsync()", peer),
            [
                "every producer waits for its ack (after fdatasync; peer: after the commit covering it) before building its next batch.",
                $"records_per_s_per_core = records_per_s / {Environment.ProcessorCount} (the producers share every core of the machine).",
                "fsync_count and records_per_fsync show how well group commit shares one fdatasync among the producers.",
            ]);
    }

    private static async Task<MetricSet> AppendOursAsync(int batchesPerProducer)
    {
        using var log = new OurLog("durable", FlushPolicy.Group);
        var latencies = new double[Producers][];
        var watch = CpuWatch.Start();
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
        {
            var builder = new RecordBatchBuilder(CompressionType.None, 128 * 1024);
            byte[] value = Payload.NewValue();
            long sequence = (long)p << 40;
            var acks = new double[batchesPerProducer];
            for (int b = 0; b < batchesPerProducer; b++)
            {
                long start = Stopwatch.GetTimestamp();
                builder.Reset();
                long timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                for (int i = 0; i < Payload.RecordsPerBatch; i++)
                {
                    Payload.Fill(value, sequence++);
                    builder.AddWithoutKey(timestamp, value);
                }
                await log.Log.AppendAsync(builder.Build()).ConfigureAwait(false);
                acks[b] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            latencies[p] = acks;
        })).ToArray();
        await Task.WhenAll(producers).ConfigureAwait(false);
        var (wall, cpu) = watch.Elapsed();
        long records = (long)Producers * batchesPerProducer * Payload.RecordsPerBatch;
        long fsyncs = log.Flushes.Count;
        return Durable(records, log.Log.SizeInBytes, wall, cpu, latencies)
            .Add("fsync_count", fsyncs)
            .Add("fsync_mean_ms", log.Flushes.Total.TotalMilliseconds / Math.Max(1, fsyncs))
            .Add("records_per_fsync", (double)records / Math.Max(1, fsyncs));
    }

    private static async Task<MetricSet> AppendPeerAsync(int batchesPerProducer)
    {
        using var host = new FasterLogHost("durable-peer");
        var latencies = new double[Producers][];
        var watch = CpuWatch.Start();
        var producers = Enumerable.Range(0, Producers).Select(p => Task.Run(async () =>
        {
            var batch = new SpanBatch();
            long sequence = (long)p << 40;
            var acks = new double[batchesPerProducer];
            for (int b = 0; b < batchesPerProducer; b++)
            {
                long start = Stopwatch.GetTimestamp();
                batch.Fill(sequence);
                sequence += Payload.RecordsPerBatch;
                host.Log.Enqueue(batch);
                await host.Log.CommitAsync().ConfigureAwait(false);
                acks[b] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            latencies[p] = acks;
        })).ToArray();
        await Task.WhenAll(producers).ConfigureAwait(false);
        var (wall, cpu) = watch.Elapsed();
        long records = (long)Producers * batchesPerProducer * Payload.RecordsPerBatch;
        return Durable(records, host.LogBytes, wall, cpu, latencies);
    }

    private static MetricSet Durable(long records, long bytes, TimeSpan wall, TimeSpan cpu, double[][] latencies)
    {
        var acks = latencies.SelectMany(l => l).Order().ToList();
        double seconds = wall.TotalSeconds;
        return new MetricSet()
            .Add("records_per_s", records / seconds)
            .Add("records_per_s_per_core", records / seconds / Environment.ProcessorCount)
            .Add("mb_per_s", bytes / seconds / Results.Mega)
            .Add("records", records)
            .Add("bytes", bytes)
            .Add("elapsed_s", seconds)
            .Add("ack_p50_ms", Results.Quantile(acks, 0.50))
            .Add("ack_p99_ms", Results.Quantile(acks, 0.99))
            .Add("ack_max_ms", acks[^1])
            .Add("cpu_cores_used", cpu / wall);
    }
}
