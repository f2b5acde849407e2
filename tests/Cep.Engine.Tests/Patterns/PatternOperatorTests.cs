using Cep.Engine.Patterns;
using static Cep.Engine.Tests.Patterns.PatternRun;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests.Patterns;

/// <summary>The pattern operator in event time: ordering, watermarks, windows, absence, late data, failures, and the quieter features (iterative conditions, Or, absences in the middle).</summary>
public sealed class PatternOperatorTests
{
    private static StreamItem<string> Ev(string value, long at) => E(value, at);

    private static StreamItem<string> Wm(long at) => W<string>(at);

    private static bool Kind(string e, char name) => e.Split(':')[1].Is(name);

    private static Pattern<string> AThenB => Pattern<string>.Begin("a").Where(e => Kind(e, 'a')).FollowedBy("b").Where(e => Kind(e, 'b'));

    [Fact]
    public void Events_are_matched_in_event_time_order_once_the_watermark_passes_them()
    {
        var (matches, _, _) = Run(AThenB, [Ev("k:b", 2), Ev("k:a", 1), Wm(1), Wm(2)], complete: false);
        Assert.Equal(["watermark 1", "{k:a k:b}@2", "watermark 2"], matches);
    }

    /// <summary>
    /// Under a skip strategy {a2 b2} completes at 3 but waits behind a1's partial match (a b,
    /// b carrying a's digit); the watermark passes 3 meanwhile. When b1 completes a1's match
    /// at 11, both go out in start order at 11 — never behind a watermark already sent.
    /// </summary>
    [Fact]
    public void A_held_match_goes_out_when_released_at_that_time()
    {
        var pattern = Pattern<string>.Begin("a", AfterMatchSkipStrategy.SkipToNext).Where(e => Kind(e, 'a'))
            .FollowedBy("b").Where((e, match) => Kind(e, 'b') && e[^1] == match.Events("a")[0][^1]);
        var (matches, _, _) = Run(pattern, [Ev("k:a1", 1), Ev("k:a2", 2), Ev("k:b2", 3), Wm(5), Ev("k:b1", 11), Wm(12)], complete: false);
        Assert.Equal(["watermark 5", "{k:a1 k:b1}@11", "{k:a2 k:b2}@11", "watermark 12"], matches);
    }

    [Fact]
    public void Equal_timestamps_keep_their_arrival_order()
    {
        var (matches, _, _) = Run(AThenB, [Ev("k:b", 5), Ev("k:a", 5), Ev("k:b", 5), Wm(5)], complete: false);
        Assert.Equal(["{k:a k:b}@5", "watermark 5"], matches);
    }

    [Fact]
    public void An_event_at_or_below_the_watermark_is_late_and_says_why()
    {
        var (matches, _, late) = Run(AThenB, [Ev("k:a", 1), Wm(3), Ev("k:b", 3), Ev("k:b", 4)]);
        Assert.Equal(["watermark 3", "{k:a k:b}@4"], matches);
        Assert.Equal(["k:b@3: event time 3 ≤ watermark 3: the pattern has matched every event up to the watermark"], late);
    }

    [Fact]
    public void Within_bounds_the_match_and_an_unfinished_partial_match_times_out_at_the_window_end()
    {
        var pattern = AThenB.Within(TimeSpan.FromMilliseconds(10));
        var (matches, timedOut, _) = Run(pattern, [Ev("k:a", 0), Ev("k:b", 10), Ev("k:a", 20), Ev("k:b", 29), Wm(40)], complete: false);
        Assert.Equal(["{k:a k:b}@29", "watermark 40"], matches);
        Assert.Equal(["k {k:a}@9"], timedOut);
    }

    [Fact]
    public void A_timeout_fires_when_the_watermark_reaches_the_window_end_not_before()
    {
        var pattern = AThenB.Within(TimeSpan.FromMilliseconds(10));
        var timedOut = new List<string>();
        var (items, _, _) = Pipeline.Run([Ev("k:a", 0), Wm(8), Wm(9)], s =>
        {
            var p = s.KeyBy(e => "k").Pattern(pattern);
            p.TimedOut.Subscribe(i => timedOut.Add(i.IsEvent ? $"{Format(i.Value.Events)}@{i.Timestamp}" : i.ToString()));
            return p.Select(Format);
        }, complete: false);
        Assert.Equal(["watermark 8", "{k:a}@9", "watermark 9"], timedOut);
    }

    /// <summary>
    /// Flink's "a pattern sequence can end with notFollowedBy() with temporal constraint", per
    /// key: a key that never sends anything after its "a" still gets its absence match, when the
    /// watermark passes the window's last instant (start + 10 − 1), at that event time.
    /// </summary>
    [Fact]
    public void Absence_at_the_end_fires_per_key_when_the_watermark_passes_the_deadline()
    {
        var pattern = Pattern<string>.Begin("a").Where(e => Kind(e, 'a')).NotFollowedBy("b").Where(e => Kind(e, 'b')).Within(TimeSpan.FromMilliseconds(10));
        var input = new[]
        {
            Ev("quiet:a", 1),
            Ev("closed:a", 2), Ev("closed:b", 11),   // b inside [2, 12): no match
            Ev("late-b:a", 3), Ev("late-b:b", 13),   // b after the window: the absence held
            Ev("other:a", 4), Ev("other:c", 5),
            Wm(9), Wm(10), Wm(13), Wm(20),
        };
        var (matches, timedOut, _) = Run(pattern, input, complete: false);
        Assert.Equal(["watermark 9", "{quiet:a}@10", "watermark 10", "{late-b:a}@12", "{other:a}@13", "watermark 13", "watermark 20"], matches);
        Assert.Empty(timedOut);
    }

    [Fact]
    public void The_end_of_a_bounded_input_matches_what_waits_and_ends_every_window()
    {
        var pattern = Pattern<string>.Begin("a").Where(e => Kind(e, 'a')).NotFollowedBy("b").Where(e => Kind(e, 'b')).Within(TimeSpan.FromMinutes(1));
        var (matches, _, _) = Run(pattern, [Ev("k:a", 1)]);
        Assert.Equal(["{k:a}@60000"], matches);
    }

    [Fact]
    public void Not_next_and_not_followed_by_in_the_middle()
    {
        var notNext = Pattern<string>.Begin("a").Where(e => e.Is('a')).NotNext("c").Where(e => e.Is('c')).FollowedBy("b").Where(e => e.Is('b'));
        Assert.Empty(Matches(notNext, "a c b"));
        Assert.Equal(["{a b}"], Matches(notNext, "a d c b"));

        var notFollowedBy = Pattern<string>.Begin("a").Where(e => e.Is('a')).NotFollowedBy("c").Where(e => e.Is('c')).FollowedBy("b").Where(e => e.Is('b'));
        Assert.Empty(Matches(notFollowedBy, "a d c b"));
        Assert.Equal(["{a b}"], Matches(notFollowedBy, "a d b c"));
    }

    [Fact]
    public void Iterative_conditions_see_the_events_bound_so_far_by_name()
    {
        // A rising run after a start value: each "up" exceeds the previous one (or the start).
        var pattern = Pattern<string>.Begin("start").Where(e => e.Is('s'))
            .Next("up").Where((e, ctx) =>
            {
                var ups = ctx.Events("up");
                string previous = ups.Count > 0 ? ups[^1] : ctx.Events("start")[0];
                return e.Is('v') && Value(e) > Value(previous);
            }).OneOrMore().Consecutive()
            .Next("end").Where(e => e.Is('e'));
        Assert.Equal(["{s3 v4 v7 e}"], Matches(pattern, "s3 v4 v7 e"));
        Assert.Empty(Matches(pattern, "s3 v4 v2 e"));
    }

    private static int Value(string e) => int.Parse(e[1..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void An_unkeyed_stream_is_matched_as_one_key()
    {
        var pattern = Pattern<string>.Begin("a").Where(e => e.Is('a')).Next("b").Where(e => e.Is('b'));
        Assert.Equal([("{a b}", 3L)], Events([Ev("b", 1), Ev("a", 2), Ev("b", 3)], s => s.Pattern(pattern).Select(Format)));
    }

    [Fact]
    public void Optional_steps_match_with_and_without_their_event()
    {
        var pattern = Pattern<string>.Begin("a").Where(e => e.Is('a')).Next("b").Where(e => e.Is('b')).Optional().Next("c").Where(e => e.Is('c'));
        Assert.Equal(["{a b c}"], Matches(pattern, "a b c"));
        Assert.Equal(["{a c}"], Matches(pattern, "a c"));
    }

    [Fact]
    public void A_throwing_condition_fails_the_query_naming_the_step_and_the_event()
    {
        var pattern = Pattern<string>.Begin("a").Where(e => e.Is('a')).FollowedBy("boom").Where(e => e == "x" ? throw new InvalidOperationException("bad x") : true);
        var (_, error, _) = Pipeline.Run([Ev("a", 1), Ev("x", 2), Wm(5)], s => s.KeyBy(_ => 1).Pattern(pattern).Select(Format));
        var failure = Assert.IsType<OperatorException>(error);
        Assert.Equal("Pattern step 'boom'", failure.OperatorName);
        Assert.Equal("bad x", failure.InnerException!.Message);
    }

    [Fact]
    public void Pruning_on_the_watermark_keeps_state_flat_over_a_long_run()
    {
        // a b+ c with relaxed contiguity: every a starts a loop that never completes (no c).
        var pattern = Pattern<string>.Begin("a").Where(e => e.Is('a')).FollowedBy("b").Where(e => e.Is('b')).OneOrMore().FollowedBy("c").Where(e => e.Is('c'))
            .Within(TimeSpan.FromMilliseconds(50));
        var nfa = NfaCompiler.Compile(pattern);
        var state = new NfaState<string>(new SharedBuffer<string>());
        var context = nfa.CreateContext();
        var spare = new List<ComputationState>();
        var completed = new List<PendingMatch>();
        var timedOut = new List<PendingMatch>();
        int maxEvents = 0;
        for (int t = 0; t < 20_000; t++)
        {
            nfa.AdvanceTime(state, t - 1, completed, timedOut);
            foreach (var m in timedOut)
            {
                state.Buffer.Release(m.Node);
            }
            timedOut.Clear();
            nfa.Process(state, StreamItem<string>.Event(t % 10 == 0 ? "a" : "b", t), context, spare, completed);
            maxEvents = Math.Max(maxEvents, state.Buffer.EventCount);
        }
        Assert.Empty(completed);
        Assert.InRange(maxEvents, 40, 60); // the last 50 ms of events, not 20 000
        nfa.AdvanceTime(state, long.MaxValue, completed, timedOut);
        foreach (var m in timedOut)
        {
            state.Buffer.Release(m.Node);
        }
        Assert.True(state.IsEmpty);
        Assert.True(state.Buffer.IsEmpty);
    }

    [Fact]
    public void A_key_that_held_many_partial_matches_gives_the_room_back()
    {
        var state = new NfaState<string>(new SharedBuffer<string>());
        var many = Enumerable.Range(0, 1000).Select(i => new ComputationState(0, 1, -1, i, i, i)).ToList();
        state.ReplacePartials(many);
        Assert.Equal(1000, state.PartialCount);
        Assert.True(state.PartialCapacity >= 1000);
        for (int round = 0; round < 20; round++)
        {
            state.ReplacePartials([new ComputationState(0, 1, -1, 7, 7, 7)]);
        }
        Assert.Equal(7, state.Partials[0].Node);
        Assert.InRange(state.PartialCapacity, 1, 8); // halved while a quarter full, down to the floor
    }

    [Fact]
    public void An_emptied_shared_buffer_gives_its_arrays_back()
    {
        var buffer = new SharedBuffer<string>();
        int previous = -1;
        for (int i = 0; i < 10_000; i++)
        {
            int node = buffer.AddNode(buffer.AddEvent(StreamItem<string>.Event("e", i), i), 0, previous);
            if (previous >= 0)
            {
                buffer.Release(previous); // the chain holds it now
            }
            previous = node;
        }
        Assert.Equal(10_000, buffer.NodeCount);
        Assert.True(buffer.SlotCapacity >= 20_000);
        buffer.Release(previous); // the whole chain goes
        Assert.True(buffer.IsEmpty);
        Assert.True(buffer.SlotCapacity <= 8, $"still {buffer.SlotCapacity} slots");
        int again = buffer.AddNode(buffer.AddEvent(StreamItem<string>.Event("f", 1), 1), 0, -1);
        Assert.Equal("f", buffer.Value(again));
    }
}
