namespace Cep.Engine.Operators;

/// <summary>
/// Events waiting for the watermark, handed out in (timestamp, arrival) order. Most input
/// arrives in timestamp order, so such events go to a plain FIFO (O(1)); only an event older
/// than the FIFO's tail goes to a heap. The head is the smaller of the two heads, so the order
/// is exactly that of one heap over everything. Owned by one task.
/// </summary>
internal sealed class EventTimeQueue<TKey, T>
{
    private readonly Queue<(TKey Key, StreamItem<T> Item, long Arrival)> _inOrder = new();
    private readonly PriorityQueue<(TKey Key, StreamItem<T> Item, long Arrival), (long Timestamp, long Arrival)> _outOfOrder = new();
    private long _tailTimestamp = long.MinValue;
    private long _arrivals;

    public int Count => _inOrder.Count + _outOfOrder.Count;

    public void Enqueue(TKey key, in StreamItem<T> item)
    {
        long arrival = _arrivals++;
        if (item.Timestamp >= _tailTimestamp)
        {
            _inOrder.Enqueue((key, item, arrival));
            _tailTimestamp = item.Timestamp;
        }
        else
        {
            _outOfOrder.Enqueue((key, item, arrival), (item.Timestamp, arrival));
        }
    }

    /// <summary>The earliest waiting event (by timestamp, then arrival), if any.</summary>
    public bool TryPeek(out TKey key, out StreamItem<T> item)
    {
        bool fromQueue = _inOrder.TryPeek(out var queued);
        bool fromHeap = _outOfOrder.TryPeek(out var heaped, out _);
        if (fromQueue && (!fromHeap || Precedes(queued, heaped)))
        {
            (key, item) = (queued.Key, queued.Item);
            return true;
        }
        if (fromHeap)
        {
            (key, item) = (heaped.Key, heaped.Item);
            return true;
        }
        (key, item) = (default!, default);
        return false;
    }

    /// <summary>Removes the event <see cref="TryPeek"/> returned.</summary>
    public void Dequeue()
    {
        bool fromQueue = _inOrder.TryPeek(out var queued);
        if (fromQueue && (!_outOfOrder.TryPeek(out var heaped, out _) || Precedes(queued, heaped)))
        {
            _inOrder.Dequeue();
            if (_inOrder.Count == 0)
            {
                _tailTimestamp = long.MinValue; // an empty FIFO takes any next event
            }
            return;
        }
        _outOfOrder.Dequeue();
    }

    private static bool Precedes((TKey Key, StreamItem<T> Item, long Arrival) a, (TKey Key, StreamItem<T> Item, long Arrival) b) =>
        a.Item.Timestamp < b.Item.Timestamp || (a.Item.Timestamp == b.Item.Timestamp && a.Arrival < b.Arrival);
}
