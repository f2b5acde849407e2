using Cep.Engine;
using Cep.Engine.Aggregates;
using Cep.Engine.Windows;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests;

public sealed class SlidingWindowTests
{
    private static readonly SlidingWindows Five = SlidingWindows.OfTimeDifference(TimeSpan.FromMilliseconds(5000));

    private static StreamItem<Reading> R(int value, long at) => E(new Reading("A", value), at);

    private static List<string> Values(IEnumerable<StreamItem<Reading>> input, SlidingWindows windows, bool complete = true) =>
        Run(input, s => s.KeyBy(r => r.Key).Window(windows).Aggregate(new ValuesInTimeOrder()), complete).Items
            .Select(i => i.IsEvent ? $"{i.Value.Window} [{i.Value.Value}] @{i.Timestamp}" : i.ToString())
            .ToList();

    /// <summary>
    /// Kafka Streams' SlidingWindows javadoc: time difference 5000 ms, A: 1@8000, 2@9200,
    /// 3@12400 give five windows: [3000;8000] [1], [4200;9200] [1,2], [7400;12400] [1,2,3],
    /// [8001;13001] [2,3], [9201;14201] [3]. Written half-open here, with event time the
    /// inclusive end.
    /// </summary>
    [Fact]
    public void The_documented_example_gives_its_five_windows()
    {
        Assert.Equal(
            [
                "[3000, 8001) [1] @8000",
                "[4200, 9201) [1,2] @9200",
                "[7400, 12401) [1,2,3] @12400",
                "[8001, 13002) [2,3] @13001",
                "[9201, 14202) [3] @14201",
            ],
            Values([R(1, 8000), R(2, 9200), R(3, 12400)], Five));
    }

    [Fact]
    public void The_documented_example_in_any_arrival_order_gives_the_same_windows()
    {
        string[] expected = ["[3000, 8001) [1]", "[4200, 9201) [1,2]", "[7400, 12401) [1,2,3]", "[8001, 13002) [2,3]", "[9201, 14202) [3]"];
        StreamItem<Reading>[][] orders =
        [
            [R(3, 12400), R(1, 8000), R(2, 9200)],
            [R(2, 9200), R(3, 12400), R(1, 8000)],
            [R(3, 12400), R(2, 9200), R(1, 8000)],
        ];
        foreach (var order in orders)
        {
            Assert.Equal(expected, Values(order, Five).Select(s => s[..s.IndexOf(" @", StringComparison.Ordinal)]));
        }
    }

    [Fact]
    public void Windows_close_oldest_first_when_the_watermark_reaches_their_inclusive_end_plus_grace()
    {
        var windows = Five.WithGrace(TimeSpan.FromMilliseconds(100));
        var input = new[] { R(1, 8000), R(2, 9200), W<Reading>(8099), W<Reading>(8100), R(3, 12400), W<Reading>(13101) };
        Assert.Equal(
            ["watermark 8099", "[3000, 8001) [1] @8000", "watermark 8100", "[4200, 9201) [1,2] @9200", "[7400, 12401) [1,2,3] @12400", "[8001, 13002) [2,3] @13001", "watermark 13101"],
            Values(input, windows, complete: false));
    }

    /// <summary>
    /// An event is late when all its windows are closed (the last one ends d after it); when only
    /// its own [t − d, t] is, it still updates the later windows and is reported as well.
    /// </summary>
    [Fact]
    public void Late_events_update_the_windows_still_open_and_are_reported()
    {
        var input = new[]
        {
            R(1, 8000), R(3, 12400), W<Reading>(9500),  // closes [3000, 8000]
            R(2, 9200),                                  // [4200, 9200] closed: late, but [7400, 12400] and [8001, 13001] are open
            R(9, 4000),                                  // 4000 + 5000 ≤ 9500: every window holding it closed
        };
        var late = new List<LateEvent<Reading>>();
        var results = Run(input, s =>
        {
            var windowed = s.KeyBy(r => r.Key).Window(Five);
            windowed.LateEvents.Subscribe(i => { if (i.IsEvent) { late.Add(i.Value); } });
            return windowed.Aggregate(new ValuesInTimeOrder());
        }).Items.Where(i => i.IsEvent).Select(i => $"{i.Value.Window} [{i.Value.Value}]");
        Assert.Equal(["[3000, 8001) [1]", "[7400, 12401) [1,2,3]", "[8001, 13002) [2,3]", "[9201, 14202) [3]"], results);
        Assert.Equal(
            [
                (9200L, "window [4200, 9201) closed: watermark 9500 passed its end + grace (0 ms); later windows holding it were updated"),
                (4000L, "every window holding it closed: watermark 9500 passed the last one's end [4000, 9001) + grace (0 ms)"),
            ],
            late.Select(l => (l.Timestamp, l.Reason)));
    }

    [Fact]
    public void Emit_every_update_sends_each_window_when_created_and_when_it_grows()
    {
        Assert.Equal(
            ["[3000, 8001) [1] @8000", "[4200, 9201) [1,2] @9200", "[8001, 13002) [2] @13001"],
            Values([R(1, 8000), R(2, 9200)], Five.EmitEveryUpdate()));
    }

    /// <summary>Events at one time share their windows; the right window of 0 is the left window of 5001 (one window, not two).</summary>
    [Fact]
    public void Events_at_the_same_time_share_their_windows_and_coinciding_windows_count_once()
    {
        Assert.Equal(
            ["[-5000, 1) [1,2] @0", "[1, 5002) [3] @5001"],
            Values([R(1, 0), R(2, 0), R(3, 5001)], Five));
    }

    private readonly record struct Reading(string Key, int Value);

    /// <summary>The window's values, in event-time order: shows exactly which events a window holds.</summary>
    private sealed class ValuesInTimeOrder : IEventTimeAggregator<Reading, List<(long Time, int Value)>, string>
    {
        public List<(long Time, int Value)> Create() => [];

        public void Add(ref List<(long Time, int Value)> accumulator, Reading value, long timestamp) => accumulator.Add((timestamp, value.Value));

        public List<(long Time, int Value)> Merge(List<(long Time, int Value)> left, List<(long Time, int Value)> right) => [.. left, .. right];

        public string Result(List<(long Time, int Value)> accumulator) => string.Join(",", accumulator.OrderBy(v => v.Time).Select(v => v.Value));
    }
}
