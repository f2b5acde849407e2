using System.Diagnostics;
using Cep.Storage.Log;
using Cep.Storage.Records;

namespace Cep.Benchmarks;

/// <summary>
/// One producer thread builds batches of 1000 records (null key, 100-byte value) and appends
/// them to one partition with flush.policy=interval (fsync at most every flush.ms = 1 s);
/// FasterLog enqueues the same values 1000 at a time and commits every second. The timed
/// phase is build + append; the final fsync / commit is timed apart and reported too.
/// </summary>
internal sealed class LogAppendScenario : IScenario
{
    private const int WarmupBatches = 300;
    private const int Rounds = 3;

    public string Name => "log-append";

    public string Description => "one producer, batches of 1000 x 100 B records, flush.policy=interval; vs FasterLog";

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        int batches = quick ? 2_000 : 10_000;
        // Warm-up runs on throwaway logs so both sides are measured with tiered-up code.
        AppendOurs(WarmupBatches);
        AppendPeer(WarmupBatches);
        var oursRounds = new List<MetricSet>();
        var peerRounds = new List<MetricSet>();
        for (int round = 0; round < Rounds; round++)
        {
            // Alternating sides spreads the machine's other load over both.
            oursRounds.Add(AppendOurs(batches));
            peerRounds.Add(AppendPeer(batches));
        }
        var ours = Results.Median(oursRounds, "records_per_s").Add("raw_pwrite_mb_per_s", RawWriteMbPerSecond(batches));
        var peer = Results.Median(peerRounds, "records_per_s");
        return Task.FromResult(new ScenarioResult(
            Name,
            $"{Rounds} rounds (median shown) of {batches * (long)Payload.RecordsPerBatch:N0} records, key null, value {Payload.ValueSize} B, {Payload.RecordsPerBatch} per batch, one partition, flush.policy=interval flush.ms=1000, uncompressed",
            ours,
            "records_per_s",
            5_000_000,
            new PeerResult("FasterLog", FasterLogHost.Setup + "; Enqueue(IReadOnlySpanBatch) per 1000, Commit(spinWait: false) every 1 s", peer),
            [
                "records_per_s times build + append (peer: fill + enqueue) only; final_flush_ms is the fsync (peer: Commit(spinWait: true)) after the last append.",
                "records_per_s_per_core = records_per_s: one producer thread does the work; cpu_cores_used counts every thread of the process (timer fsyncs, FASTER's I/O completions, GC).",
                "raw_pwrite_mb_per_s: the same number of 110 KB pwrite calls into a plain file, no log and no fsync: the page-cache ceiling on this machine at this moment.",
                "ours writes through the page cache and fdatasyncs once a second off the append path (a rolled segment is fsynced in the background); FasterLog writes pages with O_DIRECT|write-through in the background.",
            ]));
    }

    private static MetricSet AppendOurs(int batches)
    {
        using var log = new OurLog("append", FlushPolicy.Interval);
        var builder = new RecordBatchBuilder(CompressionType.None, 128 * 1024);
        byte[] value = Payload.NewValue();
        long sequence = 0;
        long buildTicks = 0, appendTicks = 0, maxAppendTicks = 0;
        var watch = CpuWatch.Start();
        for (int b = 0; b < batches; b++)
        {
            long start = Stopwatch.GetTimestamp();
            builder.Reset();
            long timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (int i = 0; i < Payload.RecordsPerBatch; i++)
            {
                Payload.Fill(value, sequence++);
                builder.AddWithoutKey(timestamp, value);
            }
            var batch = builder.Build();
            long built = Stopwatch.GetTimestamp();
            // Interval policy acknowledges at once, so the ValueTask is already complete.
            log.Log.AppendAsync(batch).GetAwaiter().GetResult();
            long appended = Stopwatch.GetTimestamp();
            buildTicks += built - start;
            appendTicks += appended - built;
            maxAppendTicks = Math.Max(maxAppendTicks, appended - built);
        }
        var (wall, cpu) = watch.Elapsed();
        long fsyncs = log.Flushes.Count;
        double fsyncMs = log.Flushes.Total.TotalMilliseconds;
        double fsyncMaxMs = log.Flushes.Max.TotalMilliseconds;
        long flushStart = Stopwatch.GetTimestamp();
        log.Log.Flush();
        double finalFlushMs = Stopwatch.GetElapsedTime(flushStart).TotalMilliseconds;
        long bytes = log.Log.SizeInBytes;
        return Results.Append(sequence, bytes, wall, cpu, buildTicks, appendTicks, maxAppendTicks, finalFlushMs)
            .Add("fsync_count", fsyncs)
            .Add("fsync_total_ms", fsyncMs)
            .Add("fsync_max_ms", fsyncMaxMs);
    }

    /// <summary>The ceiling: as many batch-sized pwrites into a fresh file as the log did, nothing else.</summary>
    private static double RawWriteMbPerSecond(int batches)
    {
        using var directory = new TempDirectory("raw");
        byte[] chunk = new byte[110_000];
        Random.Shared.NextBytes(chunk);
        using var handle = File.OpenHandle(Path.Combine(directory.Path, "raw.bin"), FileMode.CreateNew, FileAccess.Write);
        long start = Stopwatch.GetTimestamp();
        for (int b = 0; b < batches; b++)
        {
            RandomAccess.Write(handle, chunk, (long)b * chunk.Length);
        }
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        return (double)batches * chunk.Length / seconds / Results.Mega;
    }

    private static MetricSet AppendPeer(int batches)
    {
        using var host = new FasterLogHost("append-peer");
        var batch = new SpanBatch();
        long sequence = 0;
        long buildTicks = 0, appendTicks = 0, maxAppendTicks = 0;
        int commits = 0;
        var watch = CpuWatch.Start();
        long lastCommit = Stopwatch.GetTimestamp();
        for (int b = 0; b < batches; b++)
        {
            long start = Stopwatch.GetTimestamp();
            batch.Fill(sequence);
            sequence += Payload.RecordsPerBatch;
            long built = Stopwatch.GetTimestamp();
            host.Log.Enqueue(batch);
            long appended = Stopwatch.GetTimestamp();
            buildTicks += built - start;
            appendTicks += appended - built;
            maxAppendTicks = Math.Max(maxAppendTicks, appended - built);
            if (Stopwatch.GetElapsedTime(lastCommit, appended) >= TimeSpan.FromSeconds(1))
            {
                host.Log.Commit(spinWait: false);
                commits++;
                lastCommit = Stopwatch.GetTimestamp();
            }
        }
        var (wall, cpu) = watch.Elapsed();
        long commitStart = Stopwatch.GetTimestamp();
        host.Log.Commit(spinWait: true);
        double finalCommitMs = Stopwatch.GetElapsedTime(commitStart).TotalMilliseconds;
        return Results.Append(sequence, host.LogBytes, wall, cpu, buildTicks, appendTicks, maxAppendTicks, finalCommitMs)
            .Add("commit_count", commits);
    }
}
