using Cep.Engine;
using Cep.Engine.Aggregates;
using Cep.Engine.Windows;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests;

public sealed class WindowTests
{
    private const long Minute = 60_000;

    private static StreamItem<Sale> S(string key, int amount, long at) => E(new Sale(key, amount), at);

    [Fact]
    public void Tumbling_counts_are_emitted_once_when_the_watermark_passes_the_window_end()
    {
        var input = new[]
        {
            S("a", 1, 0), S("b", 1, 10), S("a", 1, 999), W<Sale>(998),
            S("a", 1, 1000), W<Sale>(999), S("b", 1, 1500), W<Sale>(2500),
        };
        var (items, _, _) = Run(input, s => s.KeyBy(x => x.Key).Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(1))).Count(), complete: false);
        Assert.Equal(
            ["watermark 998", "(a, [0, 1000), 2)@999", "(b, [0, 1000), 1)@999", "watermark 999", "(a, [1000, 2000), 1)@1999", "(b, [1000, 2000), 1)@1999", "watermark 2500"],
            items.Select(i => i.IsEvent ? $"({i.Value.Key}, {i.Value.Window}, {i.Value.Value})@{i.Timestamp}" : i.ToString()));
    }

    /// <summary>
    /// Kafka Streams' documented rule (Windows javadoc): "windows will continue to accept new
    /// records until stream_time >= window_end + grace_period". With monotonic watermarks
    /// (W = stream time − 1) a 5-minute window with 2 minutes' grace takes records until stream
    /// time reaches 7 minutes; a record for it after that is late.
    /// </summary>
    [Fact]
    public void Grace_keeps_a_window_open_until_stream_time_reaches_end_plus_grace_then_late_records_go_to_the_side_output()
    {
        var input = new[]
        {
            S("a", 1, 0 * Minute), S("a", 1, 3 * Minute),
            S("a", 1, 6 * Minute), W<Sale>(6 * Minute - 1),         // stream time 6 < 5 + 2: still open
            S("a", 1, 4 * Minute),                                            // out of order but within grace: counted
            S("a", 1, 7 * Minute), W<Sale>(7 * Minute - 1),         // stream time 7 = 5 + 2: closes [0, 5)
            S("a", 1, 2 * Minute),                                            // late
        };
        var windowed = default(WindowedStream<string, Sale>);
        var late = new List<LateEvent<Sale>>();
        var results = Events(input, s =>
        {
            windowed = s.KeyBy(x => x.Key).Window(TimeWindows.Tumbling(TimeSpan.FromMinutes(5)).WithGrace(TimeSpan.FromMinutes(2)));
            windowed.LateEvents.Subscribe(i => { if (i.IsEvent) { late.Add(i.Value); } });
            return windowed.Count();
        });
        Assert.Equal([(new WindowResult<string, long>("a", new Window(0, 5 * Minute), 3), 5 * Minute - 1), (new WindowResult<string, long>("a", new Window(5 * Minute, 10 * Minute), 2), 10 * Minute - 1)], results);
        var lateEvent = Assert.Single(late);
        Assert.Equal(2 * Minute, lateEvent.Timestamp);
        Assert.Equal("window [0, 300000) closed: watermark 419999 passed its end + grace (120000 ms)", lateEvent.Reason);
    }

    [Fact]
    public void Hopping_windows_hold_each_event_size_over_advance_times()
    {
        var input = new[] { S("a", 1, 0), S("a", 2, 4), S("a", 4, 7) };
        var results = Events(input, s => s.KeyBy(x => x.Key).Window(TimeWindows.Hopping(TimeSpan.FromMilliseconds(10), TimeSpan.FromMilliseconds(5))).Sum(x => x.Amount));
        Assert.Equal(
            [("[-5, 5)", 3), ("[0, 10)", 7), ("[5, 15)", 4)],
            results.Select(r => (r.Value.Window.ToString(), r.Value.Value)));
    }

    [Fact]
    public void Emit_every_update_sends_each_new_result_and_nothing_at_close()
    {
        var input = new[] { S("a", 5, 1), S("a", 3, 2), S("b", 9, 3), W<Sale>(100) };
        var results = Events(input, s => s.KeyBy(x => x.Key).Window(TimeWindows.Tumbling(TimeSpan.FromMilliseconds(10)).EmitEveryUpdate()).Max(x => x.Amount));
        Assert.Equal([("a", 5), ("a", 5), ("b", 9)], results.Select(r => (r.Value.Key, r.Value.Value)));
    }

    [Fact]
    public void Min_max_average_and_user_defined_aggregates()
    {
        var input = new[] { S("a", 5, 1), S("a", 3, 2), S("a", 10, 3) };
        var windows = TimeWindows.Tumbling(TimeSpan.FromMilliseconds(10));
        Assert.Equal(3, Events(input, s => s.KeyBy(x => x.Key).Window(windows).Min(x => x.Amount)).Single().Value.Value);
        Assert.Equal(6.0, Events(input, s => s.KeyBy(x => x.Key).Window(windows).Average(x => x.Amount)).Single().Value.Value);
        Assert.Equal("5,3,10", Events(input, s => s.KeyBy(x => x.Key).Window(windows).Aggregate(new Joiner())).Single().Value.Value);
    }

    [Fact]
    public void An_aggregate_that_throws_stops_the_query_with_the_events_origin()
    {
        var input = new[] { StreamItem<Sale>.Event(new Sale("a", 0), 1, new EventOrigin("sales", 0, 9)) };
        var (_, error, _) = Run(input, s => s.KeyBy(x => x.Key).Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(1))).Sum(x => 1 / x.Amount));
        Assert.Equal("operator 'Aggregate' failed on sales/0 offset 9: Attempted to divide by zero.", Assert.IsType<OperatorException>(error).Message);
    }

    private readonly record struct Sale(string Key, int Amount);

    /// <summary>A user-defined aggregate: the amounts joined with commas.</summary>
    private sealed class Joiner : IAggregator<Sale, List<int>, string>
    {
        public List<int> Create() => [];

        public void Add(ref List<int> accumulator, Sale value) => accumulator.Add(value.Amount);

        public List<int> Merge(List<int> left, List<int> right) => [.. left, .. right];

        public string Result(List<int> accumulator) => string.Join(",", accumulator);
    }
}
