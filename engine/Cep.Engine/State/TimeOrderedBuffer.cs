namespace Cep.Engine.State;

/// <summary>
/// One key's events of one join input, ordered by timestamp (ties in arrival order), in one
/// array: items live in [_head, _head + _count), so removing the oldest is O(1) and inserting
/// an in-order event is O(1) amortised (an out-of-order one shifts the few newer ones). Joins
/// range-scan it by time and prune it from the front as the watermark passes. Owned by one task.
/// </summary>
internal sealed class TimeOrderedBuffer<T>
{
    private BufferedEvent<T>[] _items = new BufferedEvent<T>[4];
    private int _head;
    private int _count;

    public int Count => _count;

    /// <summary>The events, oldest first; valid until the next insert or removal.</summary>
    public Span<BufferedEvent<T>> Items => _items.AsSpan(_head, _count);

    public ref BufferedEvent<T> Oldest => ref _items[_head];

    public void Insert(in BufferedEvent<T> item)
    {
        if (_head + _count == _items.Length)
        {
            MakeRoom();
        }
        int end = _head + _count;
        int at = end;
        while (at > _head && _items[at - 1].Timestamp > item.Timestamp)
        {
            at--;
        }
        if (at < end)
        {
            Array.Copy(_items, at, _items, at + 1, end - at);
        }
        _items[at] = item;
        _count++;
    }

    public BufferedEvent<T> RemoveOldest()
    {
        var oldest = _items[_head];
        _items[_head] = default; // drop the reference so the value can be collected
        _head++;
        _count--;
        if (_count == 0)
        {
            _head = 0;
        }
        return oldest;
    }

    /// <summary>The index (into <see cref="Items"/>) of the first event at or after <paramref name="timestamp"/>.</summary>
    public int FirstAtOrAfter(long timestamp)
    {
        int low = _head, high = _head + _count;
        while (low < high)
        {
            int middle = low + ((high - low) >> 1);
            if (_items[middle].Timestamp < timestamp)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }
        return low - _head;
    }

    private void MakeRoom()
    {
        // Compact when at least half the array is free at the front; grow otherwise.
        if (_head >= _items.Length / 2)
        {
            Array.Copy(_items, _head, _items, 0, _count);
            Array.Clear(_items, _count, _head);
        }
        else
        {
            var grown = new BufferedEvent<T>[_items.Length * 2];
            Array.Copy(_items, _head, grown, 0, _count);
            _items = grown;
        }
        _head = 0;
    }
}
