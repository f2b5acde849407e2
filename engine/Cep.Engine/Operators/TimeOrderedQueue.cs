namespace Cep.Engine.Operators;

/// <summary>
/// Elements handed out in (time, arrival) order: events waiting for the watermark, timers
/// waiting for their deadline. Most elements arrive in time order, so those go to a plain FIFO
/// (O(1), and sequential memory, so no cache misses however many are queued); only an element
/// older than the FIFO's tail goes to a heap. The head is the smaller of the two heads, so the
/// order is exactly that of one heap over everything. Owned by one task.
/// </summary>
internal sealed class TimeOrderedQueue<T>
{
    private readonly Queue<(long Time, long Arrival, T Element)> _inOrder = new();
    private readonly PriorityQueue<(long Time, long Arrival, T Element), (long Time, long Arrival)> _outOfOrder = new();
    private long _tailTime = long.MinValue;
    private long _arrivals;

    public int Count => _inOrder.Count + _outOfOrder.Count;

    public void Enqueue(long time, in T element)
    {
        long arrival = _arrivals++;
        if (time >= _tailTime)
        {
            _inOrder.Enqueue((time, arrival, element));
            _tailTime = time;
        }
        else
        {
            _outOfOrder.Enqueue((time, arrival, element), (time, arrival));
        }
    }

    /// <summary>The earliest element (by time, then arrival), if any.</summary>
    public bool TryPeek(out long time, out T element)
    {
        bool fromQueue = _inOrder.TryPeek(out var queued);
        bool fromHeap = _outOfOrder.TryPeek(out var heaped, out _);
        if (fromQueue && (!fromHeap || Precedes(queued, heaped)))
        {
            (time, element) = (queued.Time, queued.Element);
            return true;
        }
        if (fromHeap)
        {
            (time, element) = (heaped.Time, heaped.Element);
            return true;
        }
        (time, element) = (0, default!);
        return false;
    }

    /// <summary>
    /// Copies the next elements of the in-order FIFO (from its head, at most
    /// <paramref name="destination"/>'s length) and returns how many: a cheap look ahead for
    /// prefetching. Elements in the heap are not included, so it is a hint, not the exact order.
    /// </summary>
    public int PeekAhead(Span<T> destination)
    {
        int count = 0;
        foreach (var queued in _inOrder)
        {
            if (count == destination.Length)
            {
                break;
            }
            destination[count++] = queued.Element;
        }
        return count;
    }

    /// <summary>Every element with its time, in the order they would be dequeued (a copy, for checkpoints: enqueued again in this order, they come out in the same order).</summary>
    public List<(long Time, T Element)> InOrder() =>
        _inOrder.Concat(_outOfOrder.UnorderedItems.Select(i => i.Element))
            .OrderBy(e => e.Time).ThenBy(e => e.Arrival)
            .Select(e => (e.Time, e.Element))
            .ToList();

    /// <summary>Removes the element <see cref="TryPeek"/> returned.</summary>
    public void Dequeue()
    {
        bool fromQueue = _inOrder.TryPeek(out var queued);
        if (fromQueue && (!_outOfOrder.TryPeek(out var heaped, out _) || Precedes(queued, heaped)))
        {
            _inOrder.Dequeue();
            if (_inOrder.Count == 0)
            {
                _tailTime = long.MinValue; // an empty FIFO takes any next element
            }
            return;
        }
        _outOfOrder.Dequeue();
    }

    private static bool Precedes((long Time, long Arrival, T Element) a, (long Time, long Arrival, T Element) b) =>
        a.Time < b.Time || (a.Time == b.Time && a.Arrival < b.Arrival);
}
