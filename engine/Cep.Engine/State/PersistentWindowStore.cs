using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cep.Engine.Serdes;
using Cep.Storage.State;

namespace Cep.Engine.State;

/// <summary>
/// <see cref="IWindowStore{TKey, TValue}"/> whose entries live in memory (the write-back cache:
/// an event costs one dictionary lookup, never a RocksDB call) and reach the task's RocksDB at
/// checkpoints. A window's keys are spread over <see cref="Buckets"/> buckets by a hash of their bytes; a
/// checkpoint rewrites only the buckets holding an entry touched since the last one, each as
/// one RocksDB value, plus a range delete per window closed. One value per bucket rather than
/// per key, because RocksDB's cost is per entry: staging, inserting and flushing 1 M entries
/// took ~1.5 s here, 4 K buckets holding them a fraction of that.
/// <para>
/// RocksDB layout of the column family: key = window start (8 bytes big-endian, sign bit
/// flipped so byte order is time order) + bucket (2 bytes big-endian); value = the bucket's
/// entries, each: insertion number (8 bytes), key length (4), key bytes, value length (4),
/// value bytes (numbers big-endian). The insertion number restores each window's keys in
/// first-added order, which is the order results are emitted in, so a restored task emits
/// exactly what an uninterrupted one would. Owned by one task.
/// </para>
/// </summary>
internal sealed class PersistentWindowStore<TKey, TValue>(string storeName, ISerde<TKey> keySerde, ISerde<TValue> valueSerde)
    : IWindowStore<TKey, TValue>, ICheckpointed
    where TKey : notnull
{
    public const int Buckets = 4096;
    private const ushort NoBucket = ushort.MaxValue;
    private const ulong SignBit = 1UL << 63;

    private readonly Dictionary<long, Dictionary<TKey, Entry>> _windows = [];
    private readonly SortedSet<long> _starts = [];
    private readonly HashSet<long> _changedWindows = [];
    private readonly List<long> _removed = [];
    private readonly ArrayBufferWriter<byte> _scratch = new();
    private long _nextInsertion;
    private long _lastStart = long.MinValue;
    private Dictionary<TKey, Entry>? _lastWindow;
    private long _lastChanged = long.MinValue;

    public string StoreName => storeName;

    public string Signature => $"window store of {typeof(TKey).FullName} → {typeof(TValue).FullName}";

    public int WindowCount => _windows.Count;

    public ref TValue GetOrAdd(long windowStart, TKey key, out bool added)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(Window(windowStart, create: true)!, key, out bool exists);
        added = !exists;
        if (added)
        {
            entry.Insertion = _nextInsertion++;
            entry.Bucket = NoBucket; // computed at the next checkpoint, off the per-event path
        }
        return ref Touch(ref entry, windowStart);
    }

    public ref TValue Find(long windowStart, TKey key)
    {
        var window = Window(windowStart, create: false);
        if (window is null)
        {
            return ref Unsafe.NullRef<TValue>();
        }
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(window, key);
        if (Unsafe.IsNullRef(ref entry))
        {
            return ref Unsafe.NullRef<TValue>();
        }
        return ref Touch(ref entry, windowStart); // the caller may change it through the reference
    }

    public bool TryGetOldestWindow(out long windowStart)
    {
        if (_starts.Count == 0)
        {
            windowStart = 0;
            return false;
        }
        windowStart = _starts.Min;
        return true;
    }

    public IEnumerable<KeyValuePair<TKey, TValue>> Entries(long windowStart)
    {
        if (!_windows.TryGetValue(windowStart, out var window))
        {
            yield break;
        }
        foreach (var (key, entry) in window)
        {
            yield return new(key, entry.Value);
        }
    }

    public void RemoveWindow(long windowStart)
    {
        if (_windows.Remove(windowStart))
        {
            _starts.Remove(windowStart);
            _changedWindows.Remove(windowStart);
            _removed.Add(windowStart);
            if (windowStart == _lastChanged)
            {
                _lastChanged = long.MinValue;
            }
        }
        if (windowStart == _lastStart)
        {
            _lastWindow = null;
        }
    }

    public void WriteCheckpoint(TaskStateDb state)
    {
        // Range deletes first: a batch applies in order, so a put after them stands.
        foreach (long start in _removed)
        {
            state.DeleteRange(storeName, BucketKey(start, 0), BucketKey(start + 1, 0));
        }
        _removed.Clear();
        var dirty = new bool[Buckets];
        var contents = new ArrayBufferWriter<byte>?[Buckets];
        foreach (long start in _changedWindows)
        {
            var window = _windows[start];
            Array.Clear(dirty);
            foreach (var key in window.Keys)
            {
                ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(window, key);
                if (entry.Dirty)
                {
                    if (entry.Bucket == NoBucket)
                    {
                        entry.Bucket = BucketOf(key);
                    }
                    dirty[entry.Bucket] = true;
                    entry.Dirty = false;
                }
            }
            foreach (var (key, entry) in window)
            {
                if (dirty[entry.Bucket])
                {
                    Append(contents[entry.Bucket] ??= new ArrayBufferWriter<byte>(), key, entry);
                }
            }
            for (int bucket = 0; bucket < Buckets; bucket++)
            {
                if (contents[bucket] is { } written)
                {
                    state.Put(storeName, BucketKey(start, bucket), written.WrittenSpan);
                    written.ResetWrittenCount();
                }
            }
        }
        _changedWindows.Clear();
        _lastChanged = long.MinValue;
    }

    public void Restore(TaskStateDb state)
    {
        var entries = new List<(long Start, long Insertion, ushort Bucket, TKey Key, TValue Value)>();
        foreach (var (key, value) in state.Scan(storeName))
        {
            long start = (long)(BinaryPrimitives.ReadUInt64BigEndian(key) ^ SignBit);
            ushort bucket = BinaryPrimitives.ReadUInt16BigEndian(key.AsSpan(8));
            var rest = value.AsSpan();
            while (rest.Length > 0)
            {
                long insertion = BinaryPrimitives.ReadInt64BigEndian(rest);
                int keyLength = BinaryPrimitives.ReadInt32BigEndian(rest[8..]);
                var entryKey = keySerde.Deserialize(rest.Slice(12, keyLength));
                rest = rest[(12 + keyLength)..];
                int valueLength = BinaryPrimitives.ReadInt32BigEndian(rest);
                entries.Add((start, insertion, bucket, entryKey, valueSerde.Deserialize(rest.Slice(4, valueLength))));
                rest = rest[(4 + valueLength)..];
                _nextInsertion = Math.Max(_nextInsertion, insertion + 1);
            }
        }
        var ordered = entries.ToArray();
        Array.Sort(ordered, static (a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Insertion.CompareTo(b.Insertion));
        foreach (var (start, insertion, bucket, key, value) in ordered)
        {
            Window(start, create: true)!.Add(key, new Entry { Value = value, Insertion = insertion, Bucket = bucket });
        }
    }

    /// <summary>
    /// The key's bucket: from its serialized bytes (FNV-1a, top 12 bits), not GetHashCode, which
    /// differs between processes for strings: a restored key must land in the bucket it was
    /// written to. Computed once per entry, at the first checkpoint that writes it.
    /// </summary>
    private ushort BucketOf(TKey key)
    {
        _scratch.ResetWrittenCount();
        keySerde.Serialize(key, _scratch);
        uint hash = 2166136261;
        foreach (byte b in _scratch.WrittenSpan)
        {
            hash = (hash ^ b) * 16777619;
        }
        return (ushort)(hash >> 20);
    }

    private static byte[] BucketKey(long start, int bucket)
    {
        byte[] key = new byte[10];
        BinaryPrimitives.WriteUInt64BigEndian(key, (ulong)start ^ SignBit);
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(8), (ushort)bucket);
        return key;
    }

    private void Append(ArrayBufferWriter<byte> output, TKey key, in Entry entry)
    {
        BinaryPrimitives.WriteInt64BigEndian(output.GetSpan(8), entry.Insertion);
        output.Advance(8);
        WithLength(output, key, keySerde);
        WithLength(output, entry.Value, valueSerde);
    }

    private void WithLength<T>(ArrayBufferWriter<byte> output, T value, ISerde<T> serde)
    {
        _scratch.ResetWrittenCount();
        serde.Serialize(value, _scratch);
        BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), _scratch.WrittenCount);
        output.Advance(4);
        output.Write(_scratch.WrittenSpan);
    }

    private ref TValue Touch(ref Entry entry, long windowStart)
    {
        if (!entry.Dirty)
        {
            entry.Dirty = true;
            if (windowStart != _lastChanged)
            {
                _changedWindows.Add(windowStart);
                _lastChanged = windowStart;
            }
        }
        return ref entry.Value;
    }

    private Dictionary<TKey, Entry>? Window(long windowStart, bool create)
    {
        if (_lastWindow is not null && windowStart == _lastStart)
        {
            return _lastWindow;
        }
        if (!_windows.TryGetValue(windowStart, out var window))
        {
            if (!create)
            {
                return null;
            }
            window = [];
            _windows.Add(windowStart, window);
            _starts.Add(windowStart);
        }
        _lastStart = windowStart;
        _lastWindow = window;
        return window;
    }

    private struct Entry
    {
        public TValue Value;
        public long Insertion;
        public ushort Bucket;
        public bool Dirty;
    }
}
