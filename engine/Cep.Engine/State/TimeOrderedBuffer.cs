using Cep.Engine.Serdes;

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

    /// <summary>How a buffer is checkpointed: its count (0 for none), then each event oldest first, with its matched flag and sequence.</summary>
    public static void Write(StateWriter writer, TimeOrderedBuffer<T>? buffer)
    {
        var items = buffer is null ? Span<BufferedEvent<T>>.Empty : buffer.Items;
        writer.Write(items.Length);
        foreach (ref readonly var item in items)
        {
            writer.WriteEvent(item.Timestamp, item.Value, item.Origin, StateSerde.For<T>());
            writer.Write(item.Matched);
            writer.Write(item.Sequence);
        }
    }

    /// <summary>A buffer <see cref="Write"/> wrote; null when it was empty.</summary>
    public static TimeOrderedBuffer<T>? Read(StateReader reader)
    {
        int count = reader.ReadInt32();
        var buffer = count == 0 ? null : new TimeOrderedBuffer<T>();
        for (int i = 0; i < count; i++)
        {
            var item = reader.ReadEvent(StateSerde.For<T>());
            buffer!.Insert(new BufferedEvent<T>(item.Timestamp, item.Value, item.Origin, matched: reader.ReadBoolean(), sequence: reader.ReadInt64()));
        }
        return buffer;
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
