using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cep.Engine.Serdes;
using Cep.Storage.State;

namespace Cep.Engine.State;

/// <summary>
/// <see cref="IKeyValueStore{TKey, TValue}"/> whose entries live in memory (an event costs one
/// dictionary lookup, never a RocksDB call) and reach the task's RocksDB at checkpoints: only
/// the keys changed since the last one — reached through <see cref="GetOrAdd"/> (the caller may
/// change the value through the reference), <see cref="Set"/> or removed — are written, so a
/// checkpoint costs what changed, not what is held. Column family layout: key = the key's
/// bytes, value = the value as <c>writeValue</c> wrote it. On restore, entries come back in key
/// byte order (no operator emits in the order of <see cref="Entries"/>), and then
/// <c>restored</c> runs, for operators that derive other state from the entries.
/// Owned by one task.
/// </summary>
internal sealed class PersistentKeyValueStore<TKey, TValue>(
    string storeName,
    string kind,
    ISerde<TKey> keySerde,
    Action<StateWriter, TValue> writeValue,
    Func<StateReader, TValue> readValue,
    Action? restored = null) : PersistentKeyedStore<TKey>(storeName, keySerde), IKeyValueStore<TKey, TValue>
    where TKey : notnull
{
    private readonly Dictionary<TKey, Entry> _entries = [];

    // Each key at most once while its entry is dirty; removed keys stay listed (a delete).
    private readonly List<TKey> _dirty = [];

    public override string Signature => $"{kind} of {typeof(TKey).FullName} → {typeof(TValue).FullName}";

    public int Count => _entries.Count;

    public IEnumerable<KeyValuePair<TKey, TValue>> Entries => _entries.Select(e => new KeyValuePair<TKey, TValue>(e.Key, e.Value.Value));

    public ref TValue GetOrAdd(TKey key, out bool added)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out bool exists);
        added = !exists;
        Touch(ref entry, key);
        return ref entry.Value;
    }

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        bool found = _entries.TryGetValue(key, out var entry);
        value = entry.Value;
        return found;
    }

    public void Set(TKey key, TValue value)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out _);
        Touch(ref entry, key);
        entry.Value = value;
    }

    public bool Remove(TKey key)
    {
        if (!_entries.Remove(key, out var entry))
        {
            return false;
        }
        if (!entry.Dirty)
        {
            _dirty.Add(key);
        }
        return true;
    }

    public void Clear()
    {
        foreach (var (key, entry) in _entries)
        {
            if (!entry.Dirty)
            {
                _dirty.Add(key);
            }
        }
        _entries.Clear();
    }

    public override void WriteCheckpoint(TaskStateDb state)
    {
        foreach (var key in _dirty)
        {
            ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, key);
            if (Unsafe.IsNullRef(ref entry))
            {
                Delete(state, key);
                continue;
            }
            if (!entry.Dirty)
            {
                continue; // listed twice (removed, then added again): written already
            }
            entry.Dirty = false;
            writeValue(NewValue(), entry.Value);
            Put(state, key);
        }
        _dirty.Clear();
    }

    public override void Restore(TaskStateDb state)
    {
        foreach (var (key, value) in Checkpointed(state))
        {
            _entries[key] = new Entry { Value = readValue(value) };
            if (!value.AtEnd)
            {
                // The checkpoint's CRC verified, so this is a reader that does not match its writer.
                throw new InvalidDataException($"store '{StoreName}': the {kind} value of key {key} has bytes its reader left unread");
            }
        }
        restored?.Invoke();
    }

    private void Touch(ref Entry entry, TKey key)
    {
        if (!entry.Dirty)
        {
            entry.Dirty = true;
            _dirty.Add(key);
        }
    }

    private struct Entry
    {
        public TValue Value;
        public bool Dirty;
    }
}
