using Cep.Engine;
using Cep.Engine.Windows;
using FsCheck;
using FsCheck.Fluent;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests;

/// <summary>
/// Window results depend on event times only: not on where watermarks fall between events
/// (how the input is chunked into batches) and not on arrival order within the allowed
/// disorder. Seeds are fixed (Replay); FsCheck prints a failing case.
/// </summary>
public sealed class WindowPropertyTests
{
    internal const long Disorder = 100;
    private static readonly TimeWindows Windows = TimeWindows.Hopping(TimeSpan.FromMilliseconds(500), TimeSpan.FromMilliseconds(250));

    internal static Gen<List<(int Key, long Time, long Jitter)>> EventsGen =>
        Gen.ListOf(
            from key in Gen.Choose(0, 4)
            from time in Gen.Choose(0, 5000)
            from jitter in Gen.Choose(0, (int)Disorder - 1)
            select (key, (long)time, (long)jitter)).Select(l => l.ToList());

    /// <summary>Events in arrival order (time + jitter), with a watermark (max seen − disorder − 1) after each event whose flag is set.</summary>
    internal static List<StreamItem<int>> Arrivals(List<(int Key, long Time, long Jitter)> events, Func<int, bool> watermarkAfter)
    {
        var items = new List<StreamItem<int>>();
        long max = long.MinValue;
        int i = 0;
        foreach (var e in events.OrderBy(e => e.Time + e.Jitter).ThenBy(e => e.Key))
        {
            items.Add(E(e.Key, e.Time));
            max = Math.Max(max, e.Time);
            if (watermarkAfter(i++))
            {
                items.Add(W<int>(max - Disorder - 1));
            }
        }
        return items;
    }

    private static List<(int Key, long Start, long Count)> Counts(List<StreamItem<int>> input) =>
        Events(input, s => s.KeyBy(k => k).Window(Windows).Count())
            .Select(r => (r.Value.Key, r.Value.Window.Start, r.Value.Value))
            .ToList();

    [Fact]
    public void Where_the_watermarks_fall_does_not_change_the_output_sequence()
    {
        var gen = from events in EventsGen
                  from everyA in Gen.Choose(1, 7)
                  from everyB in Gen.Choose(1, 7)
                  select (events, everyA, everyB);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var a = Counts(Arrivals(c.events, i => i % c.everyA == 0));
            var b = Counts(Arrivals(c.events, i => i % c.everyB == 0));
            Assert.Equal(a, b);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(new Replay(new Rnd(1234567, 891011), null)));
    }

    [Fact]
    public void Arrival_order_within_the_allowed_disorder_does_not_change_the_results_which_match_a_plain_group_by()
    {
        var gen = from events in EventsGen
                  from seed in Gen.Choose(0, 1000)
                  select (events, seed);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var reshuffled = c.events.Select((e, i) => (e.Key, e.Time, Jitter: (e.Jitter * 31 + c.seed + i) % Disorder)).ToList();
            var expected = c.events
                .SelectMany(e => new[] { e.Time - e.Time % 250, e.Time - e.Time % 250 - 250 }.Select(start => (e.Key, Start: start)))
                .GroupBy(x => x)
                .Select(g => (g.Key.Key, g.Key.Start, (long)g.Count()))
                .Order()
                .ToList();
            var first = Counts(Arrivals(c.events, i => i % 3 == 0));
            var second = Counts(Arrivals(reshuffled, i => i % 5 == 0));
            Assert.Equal(expected, first.Order().ToList());
            Assert.Equal(expected, second.Order().ToList());
            Assert.Equal(first.Select(r => r.Start), first.Select(r => r.Start).Order()); // windows close oldest first
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(new Replay(new Rnd(7654321, 1234567), null)));
    }
}
