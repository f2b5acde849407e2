using Cep.Engine.Operators;

namespace Cep.Engine.Tests;

public sealed class EventTimeQueueTests
{
    /// <summary>Whatever mix of in-order and late arrivals, events come out by (timestamp, arrival), as from one heap.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Events_come_out_in_timestamp_then_arrival_order(int seed)
    {
        var random = new Random(seed);
        var queue = new EventTimeQueue<int, int>();
        var arrived = new List<(long Timestamp, int Arrival)>();
        var taken = new List<(long Timestamp, int Arrival)>();
        long clock = 0;
        for (int arrival = 0; arrival < 2000; arrival++)
        {
            clock += random.Next(0, 3);
            long timestamp = random.Next(5) == 0 ? clock - random.Next(0, 20) : clock; // one in five arrives late
            queue.Enqueue(arrival, StreamItem<int>.Event(arrival, timestamp));
            arrived.Add((timestamp, arrival));
            if (random.Next(4) == 0 && queue.TryPeek(out int key, out var item))
            {
                queue.Dequeue();
                taken.Add((item.Timestamp, key));
            }
        }
        while (queue.TryPeek(out int key, out var item))
        {
            queue.Dequeue();
            taken.Add((item.Timestamp, key));
        }
        Assert.Equal(0, queue.Count);
        Assert.Equal(arrived.Count, taken.Count);
        // Between two takes the queue always yields its minimum: replay that with a sorted set.
        var pending = new SortedSet<(long, int)>();
        var expected = new List<(long, int)>();
        random = new Random(seed);
        clock = 0;
        for (int arrival = 0; arrival < 2000; arrival++)
        {
            clock += random.Next(0, 3);
            long timestamp = random.Next(5) == 0 ? clock - random.Next(0, 20) : clock;
            pending.Add((timestamp, arrival));
            if (random.Next(4) == 0 && pending.Count > 0)
            {
                expected.Add(pending.Min);
                pending.Remove(pending.Min);
            }
        }
        expected.AddRange(pending);
        Assert.Equal(expected, taken);
    }
}
