using Cep.Engine;
using Cep.Engine.Windows;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests;

public sealed class SessionWindowTests
{
    private static readonly SessionWindows Gap5 = SessionWindows.WithGap(TimeSpan.FromMilliseconds(5));

    private static StreamItem<Reading> R(string key, int value, long at) => E(new Reading(key, value), at);

    private static string Show<TValue>(StreamItem<WindowResult<string, TValue>> item) =>
        item.IsEvent ? $"{item.Value.Key} {item.Value.Window} {item.Value.Value} @{item.Timestamp}" : item.ToString();

    private static List<string> Sums(IEnumerable<StreamItem<Reading>> input, SessionWindows windows, bool complete = true) =>
        Run(input, s => s.KeyBy(r => r.Key).Window(windows).Sum(r => r.Value), complete).Items.Select(Show).ToList();

    /// <summary>
    /// Kafka Streams' SessionWindows javadoc: gap 5, A@10, A@12, A@20 give two sessions, [10, 12]
    /// and [20, 20]; then A@16 merges them into one from 10 to 20 aggregating all four values.
    /// Here a session [first, last] is the window [first, last + 1) with event time last.
    /// </summary>
    [Fact]
    public void The_documented_example_two_sessions_then_an_event_in_between_merges_them()
    {
        var twoSessions = new[] { R("A", 1, 10), R("A", 2, 12), R("A", 3, 20) };
        Assert.Equal(["A [10, 13) 3 @12", "A [20, 21) 3 @20"], Sums(twoSessions, Gap5));

        var merged = new[] { R("A", 1, 10), R("A", 2, 12), R("A", 3, 20), W<Reading>(15), R("A", 4, 16) };
        Assert.Equal(["watermark 15", "A [10, 21) 10 @20"], Sums(merged, Gap5));
    }

    [Fact]
    public void Events_exactly_one_gap_apart_share_a_session_one_more_apart_do_not()
    {
        Assert.Equal(["A [10, 16) 3 @15"], Sums([R("A", 1, 10), R("A", 2, 15)], Gap5));
        Assert.Equal(["A [10, 11) 1 @10", "A [16, 17) 2 @16"], Sums([R("A", 1, 10), R("A", 2, 16)], Gap5));
    }

    /// <summary>
    /// Kafka Streams drops a record when stream time &gt; session end + gap + grace; with
    /// watermark = stream time − 1 a session whose last event is at 12 (gap 5, grace 3) closes
    /// at watermark 20, not 19: until then an event at 17 could still extend it.
    /// </summary>
    [Fact]
    public void A_session_closes_when_the_watermark_reaches_its_last_event_plus_gap_plus_grace()
    {
        var windows = Gap5.WithGrace(TimeSpan.FromMilliseconds(3));
        var input = new[] { R("A", 1, 10), R("A", 2, 12), W<Reading>(19), R("A", 4, 17), W<Reading>(20), W<Reading>(25) };
        Assert.Equal(["watermark 19", "watermark 20", "A [10, 18) 7 @17", "watermark 25"], Sums(input, windows, complete: false));
    }

    [Fact]
    public void Late_events_go_to_the_side_output_with_the_reason()
    {
        var windows = Gap5.WithGrace(TimeSpan.FromMilliseconds(3));
        var input = new[]
        {
            R("A", 1, 10), R("A", 2, 12), W<Reading>(20),    // [10, 12] closes
            R("A", 4, 14),                                     // within the gap of the closed session: late
            R("A", 8, 3),                                      // its own session [3, 3] would be closed: late
            R("A", 16, 18),                                    // 18 - 5 > 12 and 18 + 5 + 3 > 20: a new session
        };
        var late = new List<LateEvent<Reading>>();
        var results = Events(input, s =>
        {
            var windowed = s.KeyBy(r => r.Key).Window(windows);
            windowed.LateEvents.Subscribe(i => { if (i.IsEvent) { late.Add(i.Value); } });
            return windowed.Sum(r => r.Value);
        });
        Assert.Equal([("[10, 13)", 3), ("[18, 19)", 16)], results.Select(r => (r.Value.Window.ToString(), r.Value.Value)));
        Assert.Equal(
            [
                (14L, "a session of its key ending at 12 is closed and the event is within the gap (5 ms) of it: watermark 20"),
                (3L, "session [3, 4) closed: watermark 20 passed its last event + gap (5 ms) + grace (3 ms)"),
            ],
            late.Select(l => (l.Timestamp, l.Reason)));
    }

    /// <summary>
    /// Every update emits the result of the session the event lands in, after merging: results
    /// for the sessions it swallowed are not retracted, the merged one supersedes them.
    /// </summary>
    [Fact]
    public void Emit_every_update_sends_the_merged_session_after_a_merge()
    {
        var input = new[] { R("A", 1, 10), R("A", 2, 20), R("A", 4, 15), W<Reading>(100) };
        Assert.Equal(
            ["A [10, 11) 1 @10", "A [20, 21) 2 @20", "A [10, 21) 7 @20", "watermark 100"],
            Sums(input, Gap5.EmitEveryUpdate()));
    }

    [Fact]
    public void Final_results_come_oldest_session_end_first_across_keys()
    {
        var input = new[] { R("A", 1, 10), R("B", 1, 1), R("A", 1, 14), R("B", 1, 5), R("C", 1, 12), W<Reading>(30) };
        Assert.Equal(
            ["B [1, 6) 2 @5", "C [12, 13) 1 @12", "A [10, 15) 2 @14", "watermark 30"],
            Sums(input, Gap5, complete: false));
    }

    [Fact]
    public void A_merge_combines_accumulators_first_and_last_go_by_event_time()
    {
        // Arrival: 20, then 10, then 15 bridging them. First by event time is the value at 10.
        var input = new[] { R("A", 3, 20), R("A", 1, 10), R("A", 2, 15) };
        Assert.Equal(1, Events(input, s => s.KeyBy(r => r.Key).Window(Gap5.WithGrace(TimeSpan.FromMilliseconds(10))).First(r => r.Value)).Single().Value.Value);
        Assert.Equal(3, Events(input, s => s.KeyBy(r => r.Key).Window(Gap5).Last(r => r.Value)).Single().Value.Value);
        Assert.Equal([3, 2], Events(input, s => s.KeyBy(r => r.Key).Window(Gap5).TopK(r => r.Value, 2)).Single().Value.Value);
        Assert.Equal(3, Events(input, s => s.KeyBy(r => r.Key).Window(Gap5).DistinctCount(r => r.Value)).Single().Value.Value);
    }

    [Fact]
    public void The_gap_must_be_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SessionWindows.WithGap(TimeSpan.Zero));
    }

    private readonly record struct Reading(string Key, int Value);
}
