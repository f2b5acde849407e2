using Cep.Engine.Patterns;
using static Cep.Engine.Tests.Patterns.PatternRun;

namespace Cep.Engine.Tests.Patterns;

/// <summary>
/// The loop stop condition (Flink's until): the example of Flink's CEP documentation ("Stop
/// condition") and the cases Flink's UntilConditionITCase documents, with their inputs and
/// matches. In the Flink cases, events are "c" (start), "a…" (middle) and "a5", an 'a' that
/// also satisfies the stop condition (price 5 there) and is the end step's event. Matches are
/// compared as sets, as Flink's tests compare them.
/// </summary>
public sealed class UntilTests
{
    private static bool Breaking(string e) => e == "a5";

    private static Pattern<string> Start => Pattern<string>.Begin("start").Where(e => e.Is('c'));

    [Fact]
    public void Documented_example_a_plus_until_b()
    {
        var pattern = Pattern<string>.Begin("a").Where(e => e.Is('a')).OneOrMore().Until(e => e.Is('b'));
        Assert.Equal(Sorted("{a1 a2}", "{a1}", "{a2}", "{a3}"), Sorted(Matches(pattern, "a1 c a2 b a3")));
    }

    [Fact]
    public void Followed_by_one_or_more_until()
    {
        var pattern = Start.FollowedBy("middle").Where(e => e.Is('a')).OneOrMore().Until(Breaking)
            .FollowedBy("end").Where(Breaking);
        Assert.Equal(Sorted("{c a1 a2 a5}", "{c a1 a5}"), Sorted(Matches(pattern, "c a1 a2 a5 a6")));
    }

    [Fact]
    public void Followed_by_one_or_more_consecutive_until()
    {
        var pattern = Start.FollowedBy("middle").Where(e => e.Is('a')).OneOrMore().Consecutive().Until(Breaking)
            .FollowedBy("end").Where(Breaking);
        Assert.Equal(Sorted("{c a1 a2 a5}", "{c a1 a5}"), Sorted(Matches(pattern, "c a1 a2 a5 a6")));
    }

    [Fact]
    public void Followed_by_zero_or_more_until()
    {
        var pattern = Start.FollowedBy("middle").Where(e => e.Is('a')).OneOrMore().Optional().Until(Breaking)
            .FollowedBy("end").Where(Breaking);
        Assert.Equal(Sorted("{c a1 a2 a5}", "{c a1 a5}", "{c a5}"), Sorted(Matches(pattern, "c a1 a2 a5 a6")));
    }

    [Fact]
    public void Followed_by_any_one_or_more_until_enters_the_loop_again_after_the_stop_event()
    {
        // The stop event ends the running loops, and is not taken as a first event either; the
        // start may still enter the loop on a later event (non-deterministic entry).
        var pattern = Start.FollowedByAny("middle").Where(e => e.Is('a')).OneOrMore().Until(Breaking);
        Assert.Equal(Sorted("{c a1 a2}", "{c a1}", "{c a2}", "{c a6}"), Sorted(Matches(pattern, "c a1 a2 a5 a6")));
    }

    [Fact]
    public void The_stop_event_ends_the_loop_but_the_partial_match_may_go_on_to_the_next_step()
    {
        Pattern<string> Loop() => Pattern<string>.Begin("a").Where(e => e.Is('a')).FollowedBy("b").Where(e => e.Is('b')).OneOrMore();
        var until = Loop().Until(e => e.Is('x')).FollowedBy("c").Where(e => e.Is('c'));
        var plain = Loop().FollowedBy("c").Where(e => e.Is('c'));
        Assert.Equal(Sorted("{a b1 b2 c}", "{a b1 c}"), Sorted(Matches(plain, "a b1 x b2 c")));
        Assert.Equal(["{a b1 c}"], Matches(until, "a b1 x b2 c")); // b2 cannot join a loop that x ended
    }

    [Fact]
    public void Until_needs_an_unbounded_loop_and_applies_once()
    {
        var single = Assert.Throws<MalformedPatternException>(() => Start.Until(e => e.Is('x')));
        Assert.Contains("'start'", single.Message);
        Assert.Contains("looping step", single.Message);
        Assert.Throws<MalformedPatternException>(() => Start.Times(2, 3).Until(e => e.Is('x')));
        var twice = Assert.Throws<MalformedPatternException>(() => Start.OneOrMore().Until(e => e.Is('x')).Until(e => e.Is('y')));
        Assert.Contains("twice", twice.Message);
    }

    private static List<string> Sorted(params IEnumerable<string> matches) => [.. matches.Order(StringComparer.Ordinal)];
}
