using Cep.Engine.Operators;

namespace Cep.Engine.Tests;

public sealed class TimeOrderedQueueTests
{
    /// <summary>Whatever mix of in-order and late arrivals, elements come out by (time, arrival), as from one heap.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Events_come_out_in_timestamp_then_arrival_order(int seed)
    {
        var random = new Random(seed);
        var queue = new TimeOrderedQueue<int>();
        var arrived = new List<(long Timestamp, int Arrival)>();
        var taken = new List<(long Timestamp, int Arrival)>();
        long clock = 0;
        for (int arrival = 0; arrival < 2000; arrival++)
        {
            clock += random.Next(0, 3);
            long timestamp = random.Next(5) == 0 ? clock - random.Next(0, 20) : clock; // one in five arrives late
            queue.Enqueue(timestamp, arrival);
            arrived.Add((timestamp, arrival));
            if (random.Next(4) == 0 && queue.TryPeek(out long time, out int element))
            {
                queue.Dequeue();
                taken.Add((time, element));
            }
        }
        while (queue.TryPeek(out long time, out int element))
        {
            queue.Dequeue();
            taken.Add((time, element));
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

    [Fact]
    public void Peek_ahead_shows_the_next_in_order_elements_without_removing_them()
    {
        var queue = new TimeOrderedQueue<string>();
        queue.Enqueue(10, "a");
        queue.Enqueue(20, "b");
        queue.Enqueue(5, "late"); // older than the tail: goes to the heap, not in the look-ahead
        queue.Enqueue(30, "c");
        queue.Enqueue(40, "d");
        var ahead = new string[3];
        Assert.Equal(3, queue.PeekAhead(ahead));
        Assert.Equal(["a", "b", "c"], ahead);
        Assert.Equal(5, queue.Count);
        Assert.True(queue.TryPeek(out long time, out string? first));
        Assert.Equal((5L, "late"), (time, first));
    }
}
