using Cep.Engine;
using Cep.Engine.Windows;
using FsCheck;
using FsCheck.Fluent;
using static Cep.Engine.Tests.Pipeline;
using static Cep.Engine.Tests.WindowPropertyTests;

namespace Cep.Engine.Tests;

/// <summary>
/// For session, sliding and count windows: the output sequence does not depend on where the
/// watermarks fall, and (for the event-time kinds) the results match a brute-force model of the
/// documented semantics whatever the arrival order within the allowed disorder. Same events and
/// arrival scheme as <see cref="WindowPropertyTests"/>; seeds are fixed (Replay).
/// </summary>
public sealed class WindowKindPropertyTests
{
    private const long Gap = 60;
    private const long Difference = 200;

    private static readonly Config Replayed = Config.QuickThrowOnFailure.WithMaxTest(200);

    private static Gen<(List<(int Key, long Time, long Jitter)> Events, int EveryA, int EveryB, int Seed)> Cases =>
        from events in EventsGen
        from everyA in Gen.Choose(1, 7)
        from everyB in Gen.Choose(1, 7)
        from seed in Gen.Choose(0, 1000)
        select (events, everyA, everyB, seed);

    private static List<(int Key, long Start, long End, long Count)> Counts(List<StreamItem<int>> input, Func<KeyedStream<int, int>, WindowedStream<int, int>> window) =>
        Events(input, s => window(s.KeyBy(k => k)).Count())
            .Select(r => (r.Value.Key, r.Value.Window.Start, r.Value.Window.End, r.Value.Value))
            .ToList();

    /// <summary>The same events with other jitter: another arrival order within the disorder bound.</summary>
    private static List<(int Key, long Time, long Jitter)> Reshuffled(List<(int Key, long Time, long Jitter)> events, int seed) =>
        events.Select((e, i) => (e.Key, e.Time, Jitter: (e.Jitter * 31 + seed + i) % Disorder)).ToList();

    private static void CheckWatermarksAndOrder(
        (List<(int Key, long Time, long Jitter)> Events, int EveryA, int EveryB, int Seed) c,
        Func<KeyedStream<int, int>, WindowedStream<int, int>> window,
        List<(int Key, long Start, long End, long Count)> expected)
    {
        var a = Counts(Arrivals(c.Events, i => i % c.EveryA == 0), window);
        var b = Counts(Arrivals(c.Events, i => i % c.EveryB == 0), window);
        var shuffled = Counts(Arrivals(Reshuffled(c.Events, c.Seed), i => i % 3 == 0), window);
        Assert.Equal(a, b);
        Assert.Equal(expected, a.Order().ToList());
        Assert.Equal(expected, shuffled.Order().ToList());
    }

    /// <summary>Sessions by the book: per key, events in time order split where the next is more than the gap later.</summary>
    private static List<(int Key, long Start, long End, long Count)> SessionModel(List<(int Key, long Time, long Jitter)> events)
    {
        var sessions = new List<(int, long, long, long)>();
        foreach (var key in events.GroupBy(e => e.Key))
        {
            var times = key.Select(e => e.Time).Order().ToList();
            int first = 0;
            for (int i = 1; i <= times.Count; i++)
            {
                if (i == times.Count || times[i] - times[i - 1] > Gap)
                {
                    sessions.Add((key.Key, times[first], times[i - 1] + 1, i - first));
                    first = i;
                }
            }
        }
        return sessions.Order().ToList();
    }

    /// <summary>Kafka Streams' sliding windows by the book: [t − d, t] for every event t, [t + 1, t + d + 1] when it holds an event.</summary>
    private static List<(int Key, long Start, long End, long Count)> SlidingModel(List<(int Key, long Time, long Jitter)> events)
    {
        var windows = new List<(int, long, long, long)>();
        foreach (var key in events.GroupBy(e => e.Key))
        {
            var times = key.Select(e => e.Time).ToList();
            var starts = times.Select(t => t - Difference)
                .Concat(times.Where(t => times.Any(u => u > t && u <= t + Difference + 1)).Select(t => t + 1))
                .Distinct();
            windows.AddRange(starts.Select(s => (key.Key, s, s + Difference + 1, (long)times.Count(t => t >= s && t <= s + Difference))));
        }
        return windows.Order().ToList();
    }

    [Fact]
    public void Session_windows_match_the_model_however_watermarks_fall_and_events_arrive()
    {
        var sessions = SessionWindows.WithGap(TimeSpan.FromMilliseconds(Gap));
        Prop.ForAll(Cases.ToArbitrary(), c => CheckWatermarksAndOrder(c, k => k.Window(sessions), SessionModel(c.Events)))
            .Check(Replayed.WithReplay(new Replay(new Rnd(2468013, 1357911), null)));
    }

    [Fact]
    public void Sliding_windows_match_the_model_however_watermarks_fall_and_events_arrive()
    {
        var sliding = SlidingWindows.OfTimeDifference(TimeSpan.FromMilliseconds(Difference));
        Prop.ForAll(Cases.ToArbitrary(), c => CheckWatermarksAndOrder(c, k => k.Window(sliding), SlidingModel(c.Events)))
            .Check(Replayed.WithReplay(new Replay(new Rnd(9753102, 8642097), null)));
    }

    /// <summary>Count windows follow arrival order, so only the watermarks vary here; the model is chunks of the arrival sequence per key.</summary>
    [Fact]
    public void Count_windows_do_not_depend_on_where_watermarks_fall()
    {
        var windows = new[] { CountWindows.Tumbling(3), CountWindows.Sliding(4, 2) };
        Prop.ForAll(Cases.ToArbitrary(), c =>
        {
            foreach (var w in windows)
            {
                var a = Counts(Arrivals(c.Events, i => i % c.EveryA == 0), k => k.Window(w));
                var b = Counts(Arrivals(c.Events, i => i % c.EveryB == 0), k => k.Window(w));
                Assert.Equal(a, b);
            }
            var arrivals = Arrivals(c.Events, _ => false).Select(i => i.Value).ToList();
            var expected = arrivals.GroupBy(k => k).SelectMany(g => g.Chunk(3).Select(chunk => (g.Key, (long)chunk.Length))).Order().ToList();
            var tumbling = Counts(Arrivals(c.Events, i => i % c.EveryA == 0), k => k.Window(windows[0]));
            Assert.Equal(expected, tumbling.Select(r => (r.Key, r.Count)).Order().ToList());
        }).Check(Replayed.WithReplay(new Replay(new Rnd(1122334, 5566779), null)));
    }
}
