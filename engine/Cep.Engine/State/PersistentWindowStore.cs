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
/// checkpoints: only the entries touched since the last one, plus a range delete per window
/// closed. RocksDB layout of the column family: key = window start (8 bytes big-endian, sign
/// bit flipped so byte order is time order) + the key's bytes; value = the entry's insertion
/// number (8 bytes big-endian) + the value's bytes. The insertion number restores each
/// window's keys in first-added order, which is the order results are emitted in, so a
/// restored task emits exactly what an uninterrupted one would. Owned by one task.
/// </summary>
internal sealed class PersistentWindowStore<TKey, TValue>(string storeName, ISerde<TKey> keySerde, ISerde<TValue> valueSerde)
    : IWindowStore<TKey, TValue>, ICheckpointed
    where TKey : notnull
{
    private readonly Dictionary<long, Dictionary<TKey, Entry>> _windows = [];
    private readonly SortedSet<long> _starts = [];
    private readonly List<(long Start, TKey Key)> _dirty = [];
    private readonly List<long> _removed = [];
    private readonly ArrayBufferWriter<byte> _keyBytes = new();
    private readonly ArrayBufferWriter<byte> _valueBytes = new();
    private long _nextInsertion;
    private long _lastStart = long.MinValue;
    private Dictionary<TKey, Entry>? _lastWindow;

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
        }
        return ref Touch(ref entry, windowStart, key);
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
        return ref Touch(ref entry, windowStart, key); // the caller may change it through the reference
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
            _removed.Add(windowStart);
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
            state.DeleteRange(storeName, StartPrefix(start), StartPrefix(start + 1));
        }
        _removed.Clear();
        foreach (var (start, key) in _dirty)
        {
            if (!_windows.TryGetValue(start, out var window))
            {
                continue; // closed since: deleted above
            }
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(window, key);
            entry.Dirty = false;
            EncodeKey(start, key);
            _valueBytes.ResetWrittenCount();
            BinaryPrimitives.WriteInt64BigEndian(_valueBytes.GetSpan(8), entry.Insertion);
            _valueBytes.Advance(8);
            valueSerde.Serialize(entry.Value, _valueBytes);
            state.Put(storeName, _keyBytes.WrittenSpan, _valueBytes.WrittenSpan);
        }
        _dirty.Clear();
    }

    public void Restore(TaskStateDb state)
    {
        var entries = new List<(long Start, long Insertion, TKey Key, TValue Value)>();
        foreach (var (key, value) in state.Scan(storeName))
        {
            long start = (long)(BinaryPrimitives.ReadUInt64BigEndian(key) ^ SignBit);
            long insertion = BinaryPrimitives.ReadInt64BigEndian(value);
            entries.Add((start, insertion, keySerde.Deserialize(key.AsSpan(8)), valueSerde.Deserialize(value.AsSpan(8))));
            _nextInsertion = Math.Max(_nextInsertion, insertion + 1);
        }
        foreach (var (start, insertion, key, value) in entries.OrderBy(e => e.Start).ThenBy(e => e.Insertion))
        {
            Window(start, create: true)!.Add(key, new Entry { Value = value, Insertion = insertion });
        }
    }

    private const ulong SignBit = 1UL << 63;

    private static byte[] StartPrefix(long start)
    {
        byte[] prefix = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(prefix, (ulong)start ^ SignBit);
        return prefix;
    }

    private void EncodeKey(long start, TKey key)
    {
        _keyBytes.ResetWrittenCount();
        BinaryPrimitives.WriteUInt64BigEndian(_keyBytes.GetSpan(8), (ulong)start ^ SignBit);
        _keyBytes.Advance(8);
        keySerde.Serialize(key, _keyBytes);
    }

    private ref TValue Touch(ref Entry entry, long windowStart, TKey key)
    {
        if (!entry.Dirty)
        {
            entry.Dirty = true;
            _dirty.Add((windowStart, key));
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
        public bool Dirty;
    }
}
