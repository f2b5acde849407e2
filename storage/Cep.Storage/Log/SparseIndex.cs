namespace Cep.Storage.Log;

/// <summary>
/// What the offset and time indexes share: a sorted, sparse list of (key, value) entries,
/// both strictly increasing, held in memory and appended to an <see cref="IndexFile"/> of
/// fixed-size entries whose layout the subclass defines. No CRC: an index that fails its
/// check on load is rebuilt from the segment.
/// Thread-safety: appends, truncation and loading by the partition's writer; lookups may run
/// concurrently (an entry is written before the count that publishes it, and a resize copies
/// every published entry before the new arrays are visible).
/// </summary>
internal abstract class SparseIndex : IDisposable
{
    private readonly IndexFile _file;
    private long[] _keys = new long[64];
    private long[] _values = new long[64];
    private int _count;

    protected SparseIndex(string path, long baseOffset)
    {
        _file = new IndexFile(path);
        BaseOffset = baseOffset;
    }

    public string Path => _file.Path;

    public int Count => Volatile.Read(ref _count);

    protected long BaseOffset { get; }

    protected abstract int EntrySize { get; }

    public (long Key, long Value) EntryAt(int index) => (_keys[index], _values[index]);

    /// <summary>
    /// Loads the file; returns false (leaving the index empty) when it is not a valid index —
    /// a torn entry, entries out of order, or one that <see cref="IsPlausible"/> rejects
    /// against <paramref name="bound"/> — so the caller rebuilds it.
    /// </summary>
    public bool TryLoad(long bound)
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
            var (key, value) = Decode(bytes.AsSpan(i * EntrySize, EntrySize));
            bool ordered = i == 0 || (key > _keys[i - 1] && value > _values[i - 1]);
            if (!ordered || !IsPlausible(key, value, bound))
            {
                Clear();
                return false;
            }
            _keys[i] = key;
            _values[i] = value;
        }
        Volatile.Write(ref _count, count);
        return true;
    }

    public void Clear()
    {
        Volatile.Write(ref _count, 0);
        _file.SetLength(0);
    }

    public void Flush(bool toDisk) => _file.Flush(toDisk);

    public void Dispose() => _file.Dispose();

    protected abstract (long Key, long Value) Decode(ReadOnlySpan<byte> entry);

    protected abstract void Encode(long key, long value, Span<byte> entry);

    protected abstract bool IsPlausible(long key, long value, long bound);

    /// <summary>Appends an entry; false (and nothing written) when it would not be strictly after the last.</summary>
    protected bool TryAppend(long key, long value)
    {
        int count = _count;
        if (count > 0 && (key <= _keys[count - 1] || value <= _values[count - 1]))
        {
            return false;
        }
        Reserve(count + 1);
        _keys[count] = key;
        _values[count] = value;
        Span<byte> entry = stackalloc byte[EntrySize];
        Encode(key, value, entry);
        _file.Append(entry);
        Volatile.Write(ref _count, count + 1);
        return true;
    }

    /// <summary>The index of the last entry whose key is ≤ (or, not <paramref name="inclusive"/>, &lt;) <paramref name="key"/>; −1 if none.</summary>
    protected int FindLast(long key, bool inclusive)
    {
        int low = 0, high = Count - 1, found = -1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            long candidate = _keys[mid];
            if (candidate < key || (inclusive && candidate == key))
            {
                found = mid;
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return found;
    }

    /// <summary>Drops the trailing entries whose value is ≥ <paramref name="value"/>.</summary>
    protected void TruncateFromValue(long value)
    {
        int keep = _count;
        while (keep > 0 && _values[keep - 1] >= value)
        {
            keep--;
        }
        Volatile.Write(ref _count, keep);
        _file.SetLength((long)keep * EntrySize);
    }

    private void Reserve(int count)
    {
        if (count > _keys.Length)
        {
            int size = Math.Max(count, _keys.Length * 2);
            Array.Resize(ref _keys, size);
            Array.Resize(ref _values, size);
        }
    }
}
