using System.Diagnostics;
using Cep.Storage.Log;
using Cep.Storage.Records;

namespace Cep.Benchmarks;

/// <summary>
/// Writes N records (null key, 100-byte value, batches of 1000) and flushes them, then times
/// one thread replaying the partition from offset 0: Read(offset, 1 MiB), check every batch's
/// CRC (Validate) and decode every record, summing key and value lengths. The data was just
/// written, so it is served from the page cache. The peer writes the same values to FasterLog
/// and scans them with its iterator (checksums verified, entries seen in place).
/// </summary>
internal sealed class LogReadScenario : IScenario
{
    private const int MaxBytes = 1024 * 1024;
    private const int Rounds = 3;

    public string Name => "log-read";

    public string Description => "write N x 100 B records, then replay from offset 0 on one thread: Read(1 MiB) + CRC + decode; vs FasterLog scan";

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        int batches = quick ? 2_000 : 10_000;
        var ours = ReadOurs(batches);
        var peer = ReadPeer(batches);
        return Task.FromResult(new ScenarioResult(
            Name,
            $"{Rounds} replays (median shown) of {batches * (long)Payload.RecordsPerBatch:N0} records, key null, value {Payload.ValueSize} B, {Payload.RecordsPerBatch} per batch, replay with Read(offset, reused {MaxBytes} B buffer) on one thread",
            ours,
            "records_per_s",
            10_000_000,
            new PeerResult("FasterLog", FasterLogHost.Setup.Replace("O_DIRECT", "buffered files (page cache)") + "; Scan(begin, tail) + TryConsumeNext per entry", peer),
            [
                "records_per_s_per_core = records_per_s: the replay runs on one thread.",
                "mb_per_s counts stored bytes (batch headers included; peer: entry headers and checksums included), 1 MB = 10^6 B.",
                "raw_pread_mb_per_s: the segment files read in 1 MiB pieces into one reused buffer, nothing else: the page-cache ceiling.",
                "read_s / crc_s / decode_s split our replay: Read() (segment lookup, pread into one reused 1 MiB buffer), Validate() (CRC-32C), record decoding.",
            ]));
    }

    private static MetricSet ReadOurs(int batches)
    {
        using var log = new OurLog("read", FlushPolicy.Os);
        long written = Write(log.Log, batches);
        log.Log.Flush();
        // Warm-up: one short replay so the timed one runs tiered-up code.
        Replay(log.Log, Math.Min(written, 200_000));
        var rounds = new List<MetricSet>();
        for (int round = 0; round < Rounds; round++)
        {
            rounds.Add(TimedReplay(log.Log, written));
        }
        return Results.Median(rounds, "records_per_s").Add("raw_pread_mb_per_s", RawReadMbPerSecond(log.Log.Directory));
    }

    /// <summary>The ceiling: pread the segment files in 1 MiB pieces into one reused buffer, no decoding, no allocation.</summary>
    private static double RawReadMbPerSecond(string directory)
    {
        byte[] buffer = new byte[MaxBytes];
        long total = 0;
        long start = Stopwatch.GetTimestamp();
        foreach (string path in Directory.EnumerateFiles(directory, "*.log").Order())
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long position = 0;
            int read;
            while ((read = RandomAccess.Read(handle, buffer, position)) > 0)
            {
                position += read;
            }
            total += position;
        }
        return total / Stopwatch.GetElapsedTime(start).TotalSeconds / Results.Mega;
    }

    private static MetricSet TimedReplay(PartitionLog log, long written)
    {
        GC.Collect();
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        int gen0Before = GC.CollectionCount(0), gen2Before = GC.CollectionCount(2);
        var watch = CpuWatch.Start();
        var replay = Replay(log, written);
        var (wall, cpu) = watch.Elapsed();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        int gen0 = GC.CollectionCount(0) - gen0Before, gen2 = GC.CollectionCount(2) - gen2Before;
        if (replay.Records != written || replay.LengthSum != written * (Payload.ValueSize - 1))
        {
            throw new InvalidOperationException($"replay saw {replay.Records} records (length sum {replay.LengthSum}); wrote {written}");
        }
        double seconds = wall.TotalSeconds;
        return new MetricSet()
            .Add("records_per_s", written / seconds)
            .Add("records_per_s_per_core", written / seconds)
            .Add("mb_per_s", replay.Bytes / seconds / Results.Mega)
            .Add("records", written)
            .Add("bytes", replay.Bytes)
            .Add("elapsed_s", seconds)
            .Add("read_s", Results.Seconds(replay.ReadTicks))
            .Add("crc_s", Results.Seconds(replay.CrcTicks))
            .Add("decode_s", Results.Seconds(replay.DecodeTicks))
            .Add("reads", replay.Reads)
            .Add("allocated_bytes", allocated)
            .Add("gc_gen0_count", gen0)
            .Add("gc_gen2_count", gen2)
            .Add("cpu_cores_used", cpu / wall);
    }

    private static long Write(PartitionLog log, int batches)
    {
        var builder = new RecordBatchBuilder(CompressionType.None, 128 * 1024);
        byte[] value = Payload.NewValue();
        long sequence = 0;
        for (int b = 0; b < batches; b++)
        {
            builder.Reset();
            long timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            for (int i = 0; i < Payload.RecordsPerBatch; i++)
            {
                Payload.Fill(value, sequence++);
                builder.AddWithoutKey(timestamp, value);
            }
            log.AppendAsync(builder.Build()).GetAwaiter().GetResult();
        }
        return sequence;
    }

    private static ReplayCounts Replay(PartitionLog log, long endOffset)
    {
        var counts = new ReplayCounts();
        var buffer = new byte[MaxBytes]; // one reused fetch buffer, as PartitionReader does
        long offset = 0;
        while (offset < endOffset)
        {
            long start = Stopwatch.GetTimestamp();
            var fetch = log.Read(offset, buffer);
            long read = Stopwatch.GetTimestamp();
            counts.ReadTicks += read - start;
            counts.Reads++;
            counts.Bytes += fetch.Records.Length;
            if (fetch.Records.IsEmpty)
            {
                break;
            }
            foreach (var batch in RecordBatch.ReadAll(fetch.Records))
            {
                long crcStart = Stopwatch.GetTimestamp();
                batch.Validate();
                long decodeStart = Stopwatch.GetTimestamp();
                foreach (var record in batch)
                {
                    // A fetch starts at a whole batch, which may hold offsets already seen.
                    if (record.Offset < offset)
                    {
                        continue;
                    }
                    counts.Records++;
                    counts.LengthSum += (record.Key?.Length ?? -1) + (record.Value?.Length ?? -1);
                }
                long decoded = Stopwatch.GetTimestamp();
                counts.CrcTicks += decodeStart - crcStart;
                counts.DecodeTicks += decoded - decodeStart;
                offset = batch.LastOffset + 1;
            }
        }
        return counts;
    }

    private static MetricSet ReadPeer(int batches)
    {
        using var host = new FasterLogHost("read-peer", pageCache: true);
        var batch = new SpanBatch();
        for (int b = 0; b < batches; b++)
        {
            batch.Fill((long)b * Payload.RecordsPerBatch);
            host.Log.Enqueue(batch);
        }
        host.Log.Commit(spinWait: true);
        long written = (long)batches * Payload.RecordsPerBatch;
        ScanPeer(host, Math.Min(written, 200_000));
        var rounds = new List<MetricSet>();
        for (int round = 0; round < Rounds; round++)
        {
            rounds.Add(TimedScan(host, written));
        }
        return Results.Median(rounds, "records_per_s");
    }

    private static MetricSet TimedScan(FasterLogHost host, long written)
    {
        GC.Collect();
        var watch = CpuWatch.Start();
        var counter = ScanPeer(host, long.MaxValue);
        var (wall, cpu) = watch.Elapsed();
        if (counter.Entries != written || counter.Bytes != written * Payload.ValueSize)
        {
            throw new InvalidOperationException($"FasterLog scan saw {counter.Entries} entries ({counter.Bytes} B); wrote {written}");
        }
        double seconds = wall.TotalSeconds;
        return new MetricSet()
            .Add("records_per_s", written / seconds)
            .Add("records_per_s_per_core", written / seconds)
            .Add("mb_per_s", host.LogBytes / seconds / Results.Mega)
            .Add("records", written)
            .Add("bytes", host.LogBytes)
            .Add("elapsed_s", seconds)
            .Add("cpu_cores_used", cpu / wall);
    }

    private static EntryCounter ScanPeer(FasterLogHost host, long maxEntries)
    {
        var counter = new EntryCounter();
        using var iterator = host.Log.Scan(host.Log.BeginAddress, host.Log.TailAddress);
        while (counter.Entries < maxEntries)
        {
            if (iterator.TryConsumeNext(counter))
            {
                continue;
            }
            // False means the iterator is at the end or waits on a page it has not loaded yet.
            if (iterator.Ended || !iterator.WaitAsync().AsTask().GetAwaiter().GetResult())
            {
                break;
            }
        }
        return counter;
    }
}
