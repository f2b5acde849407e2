namespace Cep.Storage.Log;

/// <summary>
/// Rebuilds a partition's <see cref="ProducerStateTable"/> from disk: the newest snapshot at or
/// below the log end that reads back whole (snapshots above the end describe records that were
/// cut, and are deleted; a corrupt one is deleted and the next older tried), then every batch
/// header after it. With no usable snapshot the scan starts at the log start. Producers whose
/// last batch is below the log start are dropped (retention deleted them). Used on open and
/// after a truncation. Cost: one header read (61 bytes) per batch after the snapshot, which a
/// snapshot at every roll and at close keeps to the active segment.
/// Thread-safety: runs before the partition is shared, or under its write lock.
/// </summary>
internal static class ProducerStateLoader
{
    public static ProducerStateTable Load(string directory, LogSegment[] segments)
    {
        long start = segments[0].BaseOffset;
        long end = segments[^1].NextOffset;
        ProducerSnapshotFile.DeleteLeftovers(directory);
        ProducerSnapshotFile.DeleteAbove(directory, end);
        var table = FromNewestSnapshot(directory, start) ?? new ProducerStateTable(start, []);
        foreach (var segment in segments.Where(s => s.NextOffset > table.EndOffset))
        {
            foreach (var header in segment.ReadBatchHeaders(table.EndOffset))
            {
                if (header.BaseOffset >= table.EndOffset)
                {
                    table.Apply(header);
                }
            }
        }
        table.AdvanceTo(end);
        return table;
    }

    private static ProducerStateTable? FromNewestSnapshot(string directory, long logStart)
    {
        foreach (long offset in Enumerable.Reverse(ProducerSnapshotFile.List(directory)))
        {
            if (ProducerSnapshotFile.TryRead(directory, offset, out var producers))
            {
                return new ProducerStateTable(Math.Max(offset, logStart), producers.Where(p => p.LastOffset >= logStart));
            }
            ProducerSnapshotFile.Delete(directory, offset);
        }
        return null;
    }
}
