using System.Buffers.Binary;

namespace Cep.Storage.Log;

/// <summary>
/// Sparse map from offset to file position in one segment. File layout: 8-byte entries,
/// <c>int32 relativeOffset, int32 position</c>, big-endian, where relativeOffset is a batch's
/// base offset minus the segment's base offset and position is where that batch starts.
/// One entry per ~index.interval.bytes of log. No CRC: on any doubt the index is rebuilt from
/// the log (see <see cref="LogSegment"/>). Invariant: offsets and positions strictly increase.
/// Thread-safety: appends and truncation by the partition's writer; lookups may run
/// concurrently (they read a count published after its entries).
/// </summary>
internal sealed class OffsetIndex : IDisposable
{
    public const int EntrySize = 8;

    private readonly IndexFile _file;
    private readonly long _baseOffset;
    private int[] _relativeOffsets = new int[64];
    private int[] _positions = new int[64];
    private int _count;

    public OffsetIndex(string path, long baseOffset)
    {
        _file = new IndexFile(path);
        _baseOffset = baseOffset;
    }

    public int Count => Volatile.Read(ref _count);

    public string Path => _file.Path;

    public (long Offset, int Position) EntryAt(int index) => (_baseOffset + _relativeOffsets[index], _positions[index]);

    public long LastOffset => _count == 0 ? _baseOffset : _baseOffset + _relativeOffsets[_count - 1];

    public int LastPosition => _count == 0 ? 0 : _positions[_count - 1];

    /// <summary>
    /// Loads the file; returns false (leaving the index empty) when it is not a valid index
    /// for a log of <paramref name="logLength"/> bytes, so the caller rebuilds it.
    /// </summary>
    public bool TryLoad(long logLength)
    {
        byte[] bytes = _file.ReadAll();
        if (bytes.Length % EntrySize != 0)
        {
            return false;
        }
        int count = bytes.Length / EntrySize;
        Reserve(count);
        for (int i = 0; i < count; i++)
        {
            int relative = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i * EntrySize));
            int position = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i * EntrySize + 4));
            bool ordered = i == 0 ? relative >= 0 && position >= 0 : relative > _relativeOffsets[i - 1] && position > _positions[i - 1];
            if (!ordered || position >= logLength)
            {
                Clear();
                return false;
            }
            _relativeOffsets[i] = relative;
            _positions[i] = position;
        }
        Volatile.Write(ref _count, count);
        return true;
    }

    public void Append(long offset, int position)
    {
        Reserve(_count + 1);
        int relative = checked((int)(offset - _baseOffset));
        _relativeOffsets[_count] = relative;
        _positions[_count] = position;
        Span<byte> entry = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt32BigEndian(entry, relative);
        BinaryPrimitives.WriteInt32BigEndian(entry[4..], position);
        _file.Append(entry);
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>The position of the last indexed batch whose base offset is ≤ <paramref name="offset"/>, or 0.</summary>
    public int Lookup(long offset)
    {
        int count = Count;
        long relative = offset - _baseOffset;
        int low = 0, high = count - 1, found = -1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            if (_relativeOffsets[mid] <= relative)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return found < 0 ? 0 : _positions[found];
    }

    /// <summary>Drops entries for batches at or after <paramref name="position"/>.</summary>
    public void TruncateToPosition(int position)
    {
        int keep = _count;
        while (keep > 0 && _positions[keep - 1] >= position)
        {
            keep--;
        }
        Volatile.Write(ref _count, keep);
        _file.SetLength((long)keep * EntrySize);
    }

    public void Clear()
    {
        Volatile.Write(ref _count, 0);
        _file.SetLength(0);
    }

    public void Flush(bool toDisk) => _file.Flush(toDisk);

    public void Dispose() => _file.Dispose();

    private void Reserve(int count)
    {
        if (count > _relativeOffsets.Length)
        {
            int size = Math.Max(count, _relativeOffsets.Length * 2);
            Array.Resize(ref _relativeOffsets, size);
            Array.Resize(ref _positions, size);
        }
    }
}
