using Cep.Engine;

namespace Cep.Benchmarks.Patterns;

/// <summary>
/// Builds the pattern scenarios' input up front, so the timed loop only pushes: keys uniform
/// at random, event time rising by one ms every <c>eventsPerMs</c> events, kinds drawn by
/// weight. Thread-safe (pure).
/// </summary>
internal static class TickStream
{
    public const int WatermarkEvery = 1000;

    /// <summary><paramref name="weights"/> are the relative frequencies of 'A', 'B', 'C', 'D'.</summary>
    public static Tick[] Build(int events, int keys, int eventsPerMs, ReadOnlySpan<int> weights, int seed = 42)
    {
        int total = 0;
        foreach (int w in weights)
        {
            total += w;
        }
        var random = new Random(seed);
        var ticks = new Tick[events];
        for (int i = 0; i < events; i++)
        {
            int draw = random.Next(total);
            int kind = 0;
            while (draw >= weights[kind])
            {
                draw -= weights[kind];
                kind++;
            }
            ticks[i] = new Tick(random.Next(keys), i / eventsPerMs, (char)('A' + kind));
        }
        return ticks;
    }

    /// <summary>The ticks as stream items with a watermark (last event time − 1, so equal times that follow are not late) every <see cref="WatermarkEvery"/> events.</summary>
    public static StreamItem<Tick>[] Items(Tick[] ticks)
    {
        var items = new List<StreamItem<Tick>>(ticks.Length + ticks.Length / WatermarkEvery + 1);
        for (int i = 0; i < ticks.Length; i++)
        {
            items.Add(StreamItem<Tick>.Event(ticks[i], ticks[i].Timestamp));
            if ((i + 1) % WatermarkEvery == 0)
            {
                items.Add(StreamItem<Tick>.Watermark(ticks[i].Timestamp - 1));
            }
        }
        return items.ToArray();
    }

    /// <summary>Pushes <paramref name="items"/>[from..to) into <paramref name="observer"/>.</summary>
    public static void Push(IObserver<StreamItem<Tick>> observer, StreamItem<Tick>[] items, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            observer.OnNext(items[i]);
        }
    }
}
