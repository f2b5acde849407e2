using System.Buffers.Binary;

namespace Cep.Storage.Log;

/// <summary>
/// Sparse map from timestamp to offset in one segment. File layout: 12-byte entries,
/// <c>int64 timestamp, int32 relativeOffset</c>, big-endian. An entry says: every record in
/// the batch at relativeOffset and before it has a timestamp ≤ timestamp (the segment's
/// running maximum), so a search for the first record with timestamp ≥ t may start at the
/// last entry whose timestamp is &lt; t. Keys are timestamps, values absolute offsets.
/// Thread-safety as <see cref="SparseIndex"/>.
/// </summary>
internal sealed class TimeIndex(string path, long baseOffset) : SparseIndex(path, baseOffset)
{
    public long LastTimestamp => Count == 0 ? long.MinValue : EntryAt(Count - 1).Key;

    protected override int EntrySize => 12;

    /// <summary>Adds an entry if <paramref name="maxTimestampSoFar"/> and the offset are above the last entry's.</summary>
    public void MaybeAppend(long maxTimestampSoFar, long batchBaseOffset) => TryAppend(maxTimestampSoFar, batchBaseOffset);

    /// <summary>The offset of the last indexed batch whose running maximum timestamp is below <paramref name="timestamp"/>, or the segment's base offset.</summary>
    public long Lookup(long timestamp)
    {
        int found = FindLast(timestamp, inclusive: false);
        return found < 0 ? BaseOffset : EntryAt(found).Value;
    }

    /// <summary>Drops entries pointing at or after <paramref name="offset"/>.</summary>
    public void TruncateToOffset(long offset) => TruncateFromValue(offset);

    protected override (long Key, long Value) Decode(ReadOnlySpan<byte> entry) =>
        (BinaryPrimitives.ReadInt64BigEndian(entry), BaseOffset + BinaryPrimitives.ReadInt32BigEndian(entry[8..]));

    protected override void Encode(long key, long value, Span<byte> entry)
    {
        BinaryPrimitives.WriteInt64BigEndian(entry, key);
        BinaryPrimitives.WriteInt32BigEndian(entry[8..], checked((int)(value - BaseOffset)));
    }

    /// <summary>An entry must name an offset in this segment, below <paramref name="bound"/>.</summary>
    protected override bool IsPlausible(long key, long value, long bound) => value >= BaseOffset && value < bound;
}
