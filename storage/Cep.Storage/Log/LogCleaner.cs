using System.Runtime.CompilerServices;
using Cep.Storage.Records;

namespace Cep.Storage.Log;

/// <summary>
/// Compaction for <c>cleanup.policy=compact</c>: keeps only the latest record of each key in
/// the sealed segments, and drops tombstones (null values) once they are older than
/// <c>delete.retention.ms</c>, so consumers that were behind still see the delete for that long.
/// Offsets never change: a cleaned batch keeps its base and last offset, with gaps inside.
/// The active segment is never touched, and the work runs outside the partition's write lock;
/// only the final swap takes it (<see cref="PartitionLog.ReplaceSegment"/>), so appends go on.
/// Keys seen are held in memory during a pass (one copy of each distinct key).
/// An idempotent producer's last batch in the sealed segments is never removed whole: emptied, it
/// stays as a header without records, so the producer table rebuilt from the log (when no
/// snapshot covers it) still knows the producer's last sequence.
/// Thread-safety: one pass at a time per partition (the store's maintenance timer).
/// </summary>
internal sealed class LogCleaner
{
    private readonly TimeProvider _time;
    private readonly ConditionalWeakTable<PartitionLog, StrongBox<(long SealedEnd, bool TombstonesLeft)>> _lastPass = [];

    public LogCleaner(TimeProvider time)
    {
        _time = time;
    }

    /// <summary>One compaction pass; returns the number of segments rewritten.</summary>
    public int Clean(PartitionLog log)
    {
        var segments = log.Segments;
        if (segments.Length < 2)
        {
            return 0;
        }
        var sealedSegments = segments[..^1];
        long sealedEnd = segments[^1].BaseOffset;
        var last = _lastPass.GetOrCreateValue(log);
        if (last.Value.SealedEnd == sealedEnd && !last.Value.TombstonesLeft)
        {
            return 0; // nothing new to clean since the last pass
        }
        long tombstoneHorizon = _time.GetUtcNow().ToUnixTimeMilliseconds() - log.Config.DeleteRetentionMs;
        var (latest, lastProducerBatches) = ScanSealed(sealedSegments);
        int cleaned = 0;
        bool tombstonesLeft = false;
        var builder = new RecordBatchBuilder();
        foreach (var segment in sealedSegments)
        {
            if (!segment.TryAcquire())
            {
                continue;
            }
            string cleanedPath = segment.LogPath + ".cleaned";
            bool changed = false;
            try
            {
                File.Delete(cleanedPath);
                using (var output = log.Options.OpenLogFile(cleanedPath))
                {
                    foreach (var (_, batch) in segment.ReadBatches())
                    {
                        bool lastOfProducer = lastProducerBatches.TryGetValue(batch.ProducerId, out long lastBatch) && lastBatch == batch.BaseOffset;
                        changed |= CopyRetained(batch, latest, tombstoneHorizon, lastOfProducer, builder, output, ref tombstonesLeft);
                    }
                    if (changed)
                    {
                        output.Flush();
                    }
                }
            }
            finally
            {
                segment.Release();
            }
            if (!changed)
            {
                File.Delete(cleanedPath);
            }
            else if (log.ReplaceSegment(segment, cleanedPath))
            {
                cleaned++;
            }
        }
        last.Value = (sealedEnd, tombstonesLeft);
        return cleaned;
    }

    /// <summary>The offset of each key's latest record, and the base offset of each idempotent producer's last batch.</summary>
    private static (Dictionary<byte[], long> Latest, Dictionary<long, long> LastProducerBatches) ScanSealed(LogSegment[] segments)
    {
        var latest = new Dictionary<byte[], long>(ByteArrayComparer.Instance);
        var lastProducerBatches = new Dictionary<long, long>();
        foreach (var segment in segments)
        {
            if (!segment.TryAcquire())
            {
                continue;
            }
            try
            {
                foreach (var (_, batch) in segment.ReadBatches())
                {
                    if (batch.ProducerId >= 0)
                    {
                        lastProducerBatches[batch.ProducerId] = batch.BaseOffset;
                    }
                    if (batch.IsControl)
                    {
                        continue;
                    }
                    foreach (var record in batch)
                    {
                        if (record.Key is { } key)
                        {
                            latest[key.ToArray()] = record.Offset;
                        }
                    }
                }
            }
            finally
            {
                segment.Release();
            }
        }
        return (latest, lastProducerBatches);
    }

    /// <summary>Writes the batch's retained records as one batch with the same offsets; returns whether any record was dropped.</summary>
    private static bool CopyRetained(RecordBatch batch, Dictionary<byte[], long> latest, long tombstoneHorizon, bool lastOfProducer, RecordBatchBuilder builder, IO.ILogFile output, ref bool tombstonesLeft)
    {
        if (batch.IsControl)
        {
            output.Append(batch.Memory.Span);
            return false;
        }
        builder.Reset();
        builder.Compression = batch.Compression;
        builder.ProducerId = batch.ProducerId;
        builder.ProducerEpoch = batch.ProducerEpoch;
        builder.BaseSequence = batch.BaseSequence;
        bool dropped = false;
        foreach (var record in batch)
        {
            bool keep;
            if (record.Key is not { } key)
            {
                keep = true; // cannot be compacted away without a key
            }
            else if (!latest.TryGetValue(key.ToArray(), out long newest) || newest != record.Offset)
            {
                keep = false;
            }
            else if (record.Value is null)
            {
                keep = record.Timestamp >= tombstoneHorizon;
                tombstonesLeft |= keep;
            }
            else
            {
                keep = true;
            }
            if (keep)
            {
                builder.AddAt(batch.BaseOffset, record);
            }
            else
            {
                dropped = true;
            }
        }
        if (!dropped)
        {
            output.Append(batch.Memory.Span);
            return false;
        }
        if (builder.Count > 0)
        {
            builder.ExtendLastOffsetDelta(batch.LastOffsetDelta);
            var cleaned = builder.Build();
            RecordBatch.SetBaseOffset(cleaned.Span, batch.BaseOffset);
            RecordBatch.SetPartitionLeaderEpoch(cleaned.Span, batch.PartitionLeaderEpoch);
            output.Append(cleaned.Span);
        }
        else if (lastOfProducer)
        {
            output.Append(RecordBatch.EmptyCopy(batch));
        }
        return true;
    }
}
