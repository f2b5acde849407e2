using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;

namespace Cep.Engine.State;

/// <summary><see cref="IKeyValueStore{TKey, TValue}"/> in a dictionary. Owned by one task.</summary>
public sealed class InMemoryKeyValueStore<TKey, TValue>(IEqualityComparer<TKey>? comparer = null) : IKeyValueStore<TKey, TValue>
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _entries = new(comparer);

    public int Count => _entries.Count;

    public IEnumerable<KeyValuePair<TKey, TValue>> Entries => _entries;

    public ref TValue GetOrAdd(TKey key, out bool added)
    {
        ref var value = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, key, out bool exists);
        added = !exists;
        return ref value!;
    }

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value) => _entries.TryGetValue(key, out value);

    public void Set(TKey key, TValue value) => _entries[key] = value;

    public bool Remove(TKey key) => _entries.Remove(key);

    public void Clear() => _entries.Clear();
}
