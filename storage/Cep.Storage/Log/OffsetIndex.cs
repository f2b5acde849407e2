using System.Buffers.Binary;

namespace Cep.Storage.Log;

/// <summary>
/// Sparse map from offset to file position in one segment. File layout: 8-byte entries,
/// <c>int32 relativeOffset, int32 position</c>, big-endian, where relativeOffset is a batch's
/// base offset minus the segment's base offset and position is where that batch starts.
/// One entry per ~index.interval.bytes of log. Keys are absolute offsets, values positions.
/// Thread-safety as <see cref="SparseIndex"/>.
/// </summary>
internal sealed class OffsetIndex(string path, long baseOffset) : SparseIndex(path, baseOffset)
{
    public long LastOffset => Count == 0 ? BaseOffset : EntryAt(Count - 1).Key;

    public int LastPosition => Count == 0 ? 0 : (int)EntryAt(Count - 1).Value;

    protected override int EntrySize => 8;

    public void Append(long offset, int position) => TryAppend(offset, position);

    /// <summary>The position of the last indexed batch whose base offset is ≤ <paramref name="offset"/>, or 0.</summary>
    public int Lookup(long offset)
    {
        int found = FindLast(offset, inclusive: true);
        return found < 0 ? 0 : (int)EntryAt(found).Value;
    }

    /// <summary>Drops entries for batches at or after <paramref name="position"/>.</summary>
    public void TruncateToPosition(int position) => TruncateFromValue(position);

    protected override (long Key, long Value) Decode(ReadOnlySpan<byte> entry) =>
        (BaseOffset + BinaryPrimitives.ReadInt32BigEndian(entry), BinaryPrimitives.ReadInt32BigEndian(entry[4..]));

    protected override void Encode(long key, long value, Span<byte> entry)
    {
        BinaryPrimitives.WriteInt32BigEndian(entry, checked((int)(key - BaseOffset)));
        BinaryPrimitives.WriteInt32BigEndian(entry[4..], checked((int)value));
    }

    /// <summary>An entry must lie in this segment and point inside a log of <paramref name="bound"/> bytes.</summary>
    protected override bool IsPlausible(long key, long value, long bound) => key >= BaseOffset && value >= 0 && value < bound;
}
