using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Cep.Engine.State;

/// <summary>
/// <see cref="IWindowStore{TKey, TValue}"/> in dictionaries: one per window start, plus the
/// ordered set of starts. The last window touched is cached, since consecutive events mostly
/// fall into the same window. Owned by one task.
/// </summary>
public sealed class InMemoryWindowStore<TKey, TValue> : IWindowStore<TKey, TValue>
    where TKey : notnull
{
    private readonly Dictionary<long, Dictionary<TKey, TValue>> _windows = [];
    private readonly WindowStarts _starts = new();
    private readonly IEqualityComparer<TKey>? _comparer;
    private long _lastStart = long.MinValue;
    private Dictionary<TKey, TValue>? _lastWindow;

    public InMemoryWindowStore(IEqualityComparer<TKey>? comparer = null)
    {
        _comparer = comparer;
    }

    public int WindowCount => _windows.Count;

    public ref TValue GetOrAdd(long windowStart, TKey key, out bool added)
    {
        var window = _lastWindow;
        if (window is null || windowStart != _lastStart)
        {
            if (!_windows.TryGetValue(windowStart, out window))
            {
                window = new Dictionary<TKey, TValue>(_comparer);
                _windows.Add(windowStart, window);
                _starts.Add(windowStart);
            }
            _lastStart = windowStart;
            _lastWindow = window;
        }
        ref var value = ref CollectionsMarshal.GetValueRefOrAddDefault(window, key, out bool exists);
        added = !exists;
        return ref value!;
    }

    public ref TValue Find(long windowStart, TKey key)
    {
        var window = _lastWindow is not null && windowStart == _lastStart ? _lastWindow : _windows.GetValueOrDefault(windowStart);
        if (window is null)
        {
            return ref Unsafe.NullRef<TValue>();
        }
        return ref CollectionsMarshal.GetValueRefOrNullRef(window, key);
    }

    public bool TryGetOldestWindow(out long windowStart) => _starts.TryGetOldest(out windowStart);

    public IEnumerable<KeyValuePair<TKey, TValue>> Entries(long windowStart) =>
        _windows.TryGetValue(windowStart, out var window) ? window : [];

    public void RemoveWindow(long windowStart)
    {
        if (_windows.Remove(windowStart))
        {
            _starts.Remove(windowStart);
        }
        if (windowStart == _lastStart)
        {
            _lastWindow = null;
        }
    }
}
