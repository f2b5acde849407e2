using System.Runtime.InteropServices;
using Cep.Engine.Serdes;

namespace Cep.Engine.State;

/// <summary>
/// Recent events per key in event-time order (ties in arrival order), for operators that build
/// new windows from the events already seen (sliding windows). Events are dropped by
/// <see cref="Prune"/> once too old to matter. The events live in a key-value store (one
/// time-ordered list per key), so they are state like any other; a heap of keys by (a lower
/// bound of) their oldest event time finds the keys to prune without visiting every key. The
/// heap is derived from the store: it holds one entry per key of the store, so when it is
/// empty while the store is not, the store came back with events (restored state, which may
/// arrive after this buffer was built) and the keys are queued then. A key whose events are
/// all pruned is removed from the store. Every change goes through the store's
/// <see cref="IKeyValueStore{TKey, TValue}.GetOrAdd"/>, so a persistent store sees it.
/// Owned by one task.
/// </summary>
internal sealed class KeyedEventBuffer<TKey, T>
    where TKey : notnull
{
    private readonly IKeyValueStore<TKey, List<StreamItem<T>>> _events;

    // One entry per key held. Its priority is the key's oldest event time when queued; an
    // out-of-order event may since have gone before it, which only delays that event's pruning.
    private readonly PriorityQueue<TKey, long> _byOldest = new();

    public KeyedEventBuffer(IKeyValueStore<TKey, List<StreamItem<T>>> events)
    {
        _events = events;
    }

    /// <summary>How a key's events are checkpointed (value, time, origin of each, in order).</summary>
    public static void Write(StateWriter writer, List<StreamItem<T>> events) => writer.WriteEvents(events, StateSerde.For<T>());

    public static List<StreamItem<T>> Read(StateReader reader) => reader.ReadEvents(StateSerde.For<T>());

    public int KeyCount => _events.Count;

    /// <summary>Adds an event after those of equal or earlier time; returns the key's events, in time order.</summary>
    public List<StreamItem<T>> Insert(TKey key, in StreamItem<T> item)
    {
        QueueRestoredKeys();
        ref var events = ref _events.GetOrAdd(key, out bool added);
        if (added)
        {
            events = [];
            _byOldest.Enqueue(key, item.Timestamp);
        }
        if (events.Count == 0 || events[^1].Timestamp <= item.Timestamp)
        {
            events.Add(item); // in order: the common case
        }
        else
        {
            events.Insert(UpperBound(events, item.Timestamp), item);
        }
        return events;
    }

    /// <summary>Drops every event with time ≤ <paramref name="maxTimestamp"/>.</summary>
    public void Prune(long maxTimestamp)
    {
        QueueRestoredKeys();
        while (_byOldest.TryPeek(out var key, out long oldest) && oldest <= maxTimestamp)
        {
            _byOldest.Dequeue();
            var events = _events.GetOrAdd(key, out _);
            events.RemoveRange(0, UpperBound(events, maxTimestamp));
            if (events.Count == 0)
            {
                _events.Remove(key);
            }
            else
            {
                _byOldest.Enqueue(key, events[0].Timestamp);
            }
        }
    }

    private void QueueRestoredKeys()
    {
        if (_byOldest.Count == 0 && _events.Count > 0)
        {
            foreach (var (key, held) in _events.Entries)
            {
                _byOldest.Enqueue(key, held[0].Timestamp);
            }
        }
    }

    /// <summary>The first index whose event time is ≥ <paramref name="timestamp"/>.</summary>
    public static int LowerBound(List<StreamItem<T>> events, long timestamp)
    {
        var span = CollectionsMarshal.AsSpan(events);
        int lo = 0, hi = span.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (span[mid].Timestamp < timestamp)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /// <summary>The first index whose event time is &gt; <paramref name="timestamp"/>.</summary>
    public static int UpperBound(List<StreamItem<T>> events, long timestamp) =>
        timestamp == long.MaxValue ? events.Count : LowerBound(events, timestamp + 1);
}
