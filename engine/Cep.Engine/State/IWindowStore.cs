namespace Cep.Engine.State;

/// <summary>
/// The state of a windowed operator: one value per (window start, key). Operators update
/// values in place through the returned reference (valid until the next call), so the hot
/// path does one lookup per event. The in-memory store is the default; a RocksDB store with a
/// write-back cache replaces it behind this interface. Owned by one task.
/// </summary>
public interface IWindowStore<TKey, TValue>
    where TKey : notnull
{
    int WindowCount { get; }

    /// <summary>The value of <paramref name="key"/> in the window starting at <paramref name="windowStart"/>; <paramref name="added"/> says it was created (as default) just now.</summary>
    ref TValue GetOrAdd(long windowStart, TKey key, out bool added);

    /// <summary>The value of <paramref name="key"/> in the window starting at <paramref name="windowStart"/>, or a null reference (test with <see cref="System.Runtime.CompilerServices.Unsafe.IsNullRef{T}(ref readonly T)"/>) when there is none.</summary>
    ref TValue Find(long windowStart, TKey key);

    /// <summary>The earliest window start held, if any.</summary>
    bool TryGetOldestWindow(out long windowStart);

    /// <summary>The entries of one window, in the order their keys were first added.</summary>
    IEnumerable<KeyValuePair<TKey, TValue>> Entries(long windowStart);

    void RemoveWindow(long windowStart);
}
