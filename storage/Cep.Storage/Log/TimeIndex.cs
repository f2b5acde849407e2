using System.Buffers.Binary;

namespace Cep.Storage.Log;

/// <summary>
/// Sparse map from timestamp to offset in one segment. File layout: 12-byte entries,
/// <c>int64 timestamp, int32 relativeOffset</c>, big-endian. An entry says: every record in
/// the batch at relativeOffset and before it has a timestamp ≤ timestamp (the segment's
/// running maximum), so a search for the first record with timestamp ≥ t may start at the
/// last entry whose timestamp is &lt; t. Invariant: timestamps and offsets strictly increase.
/// No CRC; rebuilt from the log when it looks wrong. Thread-safety as <see cref="OffsetIndex"/>.
/// </summary>
internal sealed class TimeIndex : IDisposable
{
    public const int EntrySize = 12;

    private readonly IndexFile _file;
    private readonly long _baseOffset;
    private long[] _timestamps = new long[64];
    private int[] _relativeOffsets = new int[64];
    private int _count;

    public TimeIndex(string path, long baseOffset)
    {
        _file = new IndexFile(path);
        _baseOffset = baseOffset;
    }

    public int Count => Volatile.Read(ref _count);

    public string Path => _file.Path;

    public (long Timestamp, long Offset) EntryAt(int index) => (_timestamps[index], _baseOffset + _relativeOffsets[index]);

    public long LastTimestamp => _count == 0 ? long.MinValue : _timestamps[_count - 1];

    /// <summary>Loads the file; false (and empty) when it is not valid for a segment ending before <paramref name="endOffset"/>.</summary>
    public bool TryLoad(long endOffset)
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
            long timestamp = BinaryPrimitives.ReadInt64BigEndian(bytes.AsSpan(i * EntrySize));
            int relative = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(i * EntrySize + 8));
            bool ordered = i == 0 ? relative >= 0 : timestamp > _timestamps[i - 1] && relative > _relativeOffsets[i - 1];
            if (!ordered || _baseOffset + relative >= endOffset)
            {
                Clear();
                return false;
            }
            _timestamps[i] = timestamp;
            _relativeOffsets[i] = relative;
        }
        Volatile.Write(ref _count, count);
        return true;
    }

    /// <summary>Adds an entry if <paramref name="maxTimestampSoFar"/> is above the last one.</summary>
    public void MaybeAppend(long maxTimestampSoFar, long batchBaseOffset)
    {
        if (_count > 0 && maxTimestampSoFar <= _timestamps[_count - 1])
        {
            return;
        }
        Reserve(_count + 1);
        int relative = checked((int)(batchBaseOffset - _baseOffset));
        if (_count > 0 && relative <= _relativeOffsets[_count - 1])
        {
            return;
        }
        _timestamps[_count] = maxTimestampSoFar;
        _relativeOffsets[_count] = relative;
        Span<byte> entry = stackalloc byte[EntrySize];
        BinaryPrimitives.WriteInt64BigEndian(entry, maxTimestampSoFar);
        BinaryPrimitives.WriteInt32BigEndian(entry[8..], relative);
        _file.Append(entry);
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>The offset of the last indexed batch whose running maximum timestamp is below <paramref name="timestamp"/>, or the segment's base offset.</summary>
    public long Lookup(long timestamp)
    {
        int count = Count;
        int low = 0, high = count - 1, found = -1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            if (_timestamps[mid] < timestamp)
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return found < 0 ? _baseOffset : _baseOffset + _relativeOffsets[found];
    }

    /// <summary>Drops entries pointing at or after <paramref name="offset"/>.</summary>
    public void TruncateToOffset(long offset)
    {
        int keep = _count;
        while (keep > 0 && _baseOffset + _relativeOffsets[keep - 1] >= offset)
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
        if (count > _timestamps.Length)
        {
            int size = Math.Max(count, _timestamps.Length * 2);
            Array.Resize(ref _timestamps, size);
            Array.Resize(ref _relativeOffsets, size);
        }
    }
}
