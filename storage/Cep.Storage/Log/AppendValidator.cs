using Cep.Storage.Records;

namespace Cep.Storage.Log;

/// <summary>
/// What the log checks before it accepts an append, so that a bad batch is refused whole and
/// nothing of the append is written: complete framing, magic 2, a CRC that matches, a record
/// count that fits the last offset delta, the topic's max.message.bytes, and keys on a
/// compacted topic. Returns where each batch lies in the append. Thread-safe (pure).
/// </summary>
internal static class AppendValidator
{
    public static List<(int Start, int Size)> Validate(string name, ReadOnlyMemory<byte> batches, LogConfig config)
    {
        var ranges = new List<(int, int)>(1);
        int position = 0;
        while (position < batches.Length)
        {
            if (!RecordBatch.TryReadSize(batches.Span[position..], out int size) || size < RecordBatch.HeaderSize || size > batches.Length - position)
            {
                throw new CorruptRecordException($"{name}: the batch at byte {position} of the append is cut short or malformed ({batches.Length - position} bytes left); nothing was appended");
            }
            if (size > config.MaxMessageBytes)
            {
                throw new RecordTooLargeException($"{name}: a batch of {size} bytes exceeds max.message.bytes={config.MaxMessageBytes}; nothing was appended");
            }
            var batch = new RecordBatch(batches.Slice(position, size));
            try
            {
                batch.Validate();
            }
            catch (CorruptRecordException e)
            {
                throw new CorruptRecordException($"{name}: the batch at byte {position} of the append is corrupt ({e.Message}); nothing was appended", e);
            }
            if (batch.RecordCount != batch.LastOffsetDelta + 1 || batch.RecordCount == 0)
            {
                throw new CorruptRecordException($"{name}: the batch at byte {position} of the append has {batch.RecordCount} records but last offset delta {batch.LastOffsetDelta}; nothing was appended");
            }
            if (config.CleanupPolicy.HasFlag(CleanupPolicy.Compact))
            {
                foreach (var record in batch)
                {
                    if (record.Key is null)
                    {
                        throw new InvalidRecordException($"{name}: record {record.Offset - batch.BaseOffset} of the batch at byte {position} has no key, and a compacted topic needs one; nothing was appended");
                    }
                }
            }
            ranges.Add((position, size));
            position += size;
        }
        if (ranges.Count == 0)
        {
            throw new CorruptRecordException($"{name}: the append holds no record batch");
        }
        return ranges;
    }
}
