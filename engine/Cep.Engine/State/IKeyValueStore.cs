using System.Diagnostics.CodeAnalysis;

namespace Cep.Engine.State;

/// <summary>
/// Per-key operator state (tables, join buffers, count panes): one value per key. Operators
/// update values in place through the returned reference (valid until the next call), so the
/// hot path does one lookup per event. The in-memory store is the default; a RocksDB store
/// with a write-back cache replaces it behind this interface. A value changed in place (a
/// struct through the reference, or a mutable object's contents) must be reached through
/// <see cref="GetOrAdd"/> or written back with <see cref="Set"/>: that is how a persistent
/// store knows what to write at the next checkpoint; <see cref="TryGet"/> only reads.
/// Owned by one task.
/// </summary>
public interface IKeyValueStore<TKey, TValue>
    where TKey : notnull
{
    int Count { get; }

    /// <summary>Every entry: in memory, in the order keys were first added (when none were removed since); restored from a checkpoint, in key byte order. No operator emits in this order.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> Entries { get; }

    /// <summary>The value of <paramref name="key"/>; <paramref name="added"/> says it was created (as default) just now.</summary>
    ref TValue GetOrAdd(TKey key, out bool added);

    bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value);

    void Set(TKey key, TValue value);

    bool Remove(TKey key);

    void Clear();
}
