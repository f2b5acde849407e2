using Cep.Engine.Patterns;
using static Cep.Engine.Tests.Patterns.PatternRun;

namespace Cep.Engine.Tests.Patterns;

/// <summary>
/// The examples of Flink's CEP documentation (docs/content/docs/libs/cep.md: "Combining
/// Patterns", "consecutive()", "allowCombinations()", "Quantifiers", "After Match Skip
/// Strategy"), transcribed: the documented pattern, input and matches. Where the page leaves
/// the contiguity between two steps unsaid, the test says which reading it takes. Not
/// transcribed: "Contiguity within looping patterns" ("a b+ c" on a b1 d1 b2 d2 b3 c), whose
/// strict-contiguity line ({a b3 c}) contradicts its own definitions, as FLINK-28880 and
/// Stack Overflow 72041586 discuss.
/// </summary>
public sealed class FlinkCepConformanceTests
{
    private static Pattern<string> A => Pattern<string>.Begin("a").Where(e => e.Is('a'));

    [Fact]
    public void Contiguity_a_b_on_a_c_b1_b2_strict_gives_no_match()
    {
        Assert.Empty(Matches(A.Next("b").Where(e => e.Is('b')), "a c b1 b2"));
    }

    [Fact]
    public void Contiguity_a_b_on_a_c_b1_b2_relaxed_skips_to_the_first_matching_event()
    {
        Assert.Equal(["{a b1}"], Matches(A.FollowedBy("b").Where(e => e.Is('b')), "a c b1 b2"));
    }

    [Fact]
    public void Contiguity_a_b_on_a_c_b1_b2_non_deterministic_relaxed_takes_every_matching_event()
    {
        Assert.Equal(["{a b1}", "{a b2}"], Matches(A.FollowedByAny("b").Where(e => e.Is('b')), "a c b1 b2"));
    }

    private static Pattern<string> CThenLoop => Pattern<string>.Begin("start").Where(e => e.Is('c'))
        .FollowedBy("middle").Where(e => e.Is('a')).OneOrMore();

    private const string LoopInput = "C D A1 A2 A3 D A4 B";

    [Fact]
    public void Consecutive_example_with_consecutive()
    {
        var pattern = CThenLoop.Consecutive().FollowedBy("end1").Where(e => e.Is('b'));
        Assert.Equal(Sorted(["{C A1 B}", "{C A1 A2 B}", "{C A1 A2 A3 B}"]), Sorted(Matches(pattern, LoopInput)));
    }

    [Fact]
    public void Consecutive_and_allow_combinations_examples_without_either()
    {
        var pattern = CThenLoop.FollowedBy("end1").Where(e => e.Is('b'));
        Assert.Equal(Sorted(["{C A1 B}", "{C A1 A2 B}", "{C A1 A2 A3 B}", "{C A1 A2 A3 A4 B}"]), Sorted(Matches(pattern, LoopInput)));
    }

    [Fact]
    public void Allow_combinations_example_gives_every_combination_of_the_a_events()
    {
        var pattern = CThenLoop.AllowCombinations().FollowedBy("end1").Where(e => e.Is('b'));
        string[] documented =
        [
            "{C A1 B}", "{C A1 A2 B}", "{C A1 A3 B}", "{C A1 A4 B}", "{C A1 A2 A3 B}", "{C A1 A2 A4 B}", "{C A1 A3 A4 B}",
            "{C A1 A2 A3 A4 B}", "{C A2 B}", "{C A2 A3 B}", "{C A2 A4 B}", "{C A2 A3 A4 B}", "{C A3 B}", "{C A3 A4 B}", "{C A4 B}",
        ];
        Assert.Equal(Sorted([.. documented]), Sorted(Matches(pattern, LoopInput)));
    }

    /// <summary>
    /// The quantifier list ("expecting 4 occurrences", "expecting 0, 2, 3 or 4 occurrences"…):
    /// the "start" step quantified, then strictly a "b", over five a's and a b. Relaxed
    /// contiguity inside the loop and strict before b leave one match per allowed count (the
    /// last n a's), so the counts seen are exactly the documented set.
    /// </summary>
    [Theory]
    [InlineData("times(4)", "4")]
    [InlineData("times(4).optional()", "0 4")]
    [InlineData("times(2, 4)", "2 3 4")]
    [InlineData("times(2, 4).greedy()", "2 3 4")]
    [InlineData("times(2, 4).optional()", "0 2 3 4")]
    [InlineData("times(2, 4).optional().greedy()", "0 2 3 4")]
    [InlineData("oneOrMore()", "1 2 3 4 5")]
    [InlineData("oneOrMore().greedy()", "1 2 3 4 5")]
    [InlineData("oneOrMore().optional()", "0 1 2 3 4 5")]
    [InlineData("timesOrMore(2)", "2 3 4 5")]
    [InlineData("timesOrMore(2).optional()", "0 2 3 4 5")]
    public void Quantifiers_allow_the_documented_occurrence_counts(string quantifier, string counts)
    {
        var start = Pattern<string>.Begin("start").Where(e => e.Is('a'));
        start = quantifier switch
        {
            "times(4)" => start.Times(4),
            "times(4).optional()" => start.Times(4).Optional(),
            "times(2, 4)" => start.Times(2, 4),
            "times(2, 4).greedy()" => start.Times(2, 4).Greedy(),
            "times(2, 4).optional()" => start.Times(2, 4).Optional(),
            "times(2, 4).optional().greedy()" => start.Times(2, 4).Optional().Greedy(),
            "oneOrMore()" => start.OneOrMore(),
            "oneOrMore().greedy()" => start.OneOrMore().Greedy(),
            "oneOrMore().optional()" => start.OneOrMore().Optional(),
            "timesOrMore(2)" => start.TimesOrMore(2),
            "timesOrMore(2).optional()" => start.TimesOrMore(2).Optional(),
            _ => throw new ArgumentException(quantifier),
        };
        var seen = Matches(start.Next("end").Where(e => e.Is('b')), "a1 a2 a3 a4 a5 b")
            .Select(m => m.Count(ch => ch == 'a'))
            .Order();
        Assert.Equal(counts, string.Join(" ", seen));
    }

    /// <summary>"Repeating as many as possible": with relaxed contiguity before b, a greedy loop leaves only on an event it cannot take, or once full.</summary>
    [Fact]
    public void Greedy_repeats_as_many_as_possible()
    {
        var loop = Pattern<string>.Begin("start").Where(e => e.Is('a')).Times(2, 4);
        Assert.Equal(9, Matches(loop.FollowedBy("end").Where(e => e.Is('b')), "a1 a2 a3 a4 a5 b").Count);
        Assert.Equal(
            ["{a1 a2 a3 a4 b}", "{a2 a3 a4 a5 b}", "{a3 a4 a5 b}", "{a4 a5 b}"],
            Matches(loop.Greedy().FollowedBy("end").Where(e => e.Is('b')), "a1 a2 a3 a4 a5 b"));
    }

    /// <summary>The skip strategy table: pattern "b+ c" (read as b+ then strictly c) on b1 b2 b3 c.</summary>
    [Theory]
    [InlineData("NoSkip", "{b1 b2 b3 c}|{b2 b3 c}|{b3 c}")]
    [InlineData("SkipToNext", "{b1 b2 b3 c}|{b2 b3 c}|{b3 c}")]
    [InlineData("SkipPastLastEvent", "{b1 b2 b3 c}")]
    [InlineData("SkipToFirst", "{b1 b2 b3 c}|{b2 b3 c}|{b3 c}")]
    [InlineData("SkipToLast", "{b1 b2 b3 c}|{b3 c}")]
    public void Skip_strategy_table_for_b_plus_c(string strategy, string documented)
    {
        var skip = Strategy(strategy, "b");
        var strict = Pattern<string>.Begin("b", skip).Where(e => e.Is('b')).OneOrMore().Next("c").Where(e => e.Is('c'));
        Assert.Equal(documented.Split('|'), Matches(strict, "b1 b2 b3 c"));

        // The other reading of "b+ c": a greedy loop, then relaxed c. Same table.
        var greedy = Pattern<string>.Begin("b", skip).Where(e => e.Is('b')).OneOrMore().Greedy().FollowedBy("c").Where(e => e.Is('c'));
        Assert.Equal(documented.Split('|'), Matches(greedy, "b1 b2 b3 c"));
    }

    /// <summary>The second table: (a | b | c) (b | c) c+.greedy d on a b c1 c2 c3 d, NO_SKIP against SKIP_TO_FIRST[c*].</summary>
    [Theory]
    [InlineData("NoSkip", "{a b c1 c2 c3 d}|{b c1 c2 c3 d}|{c1 c2 c3 d}")]
    [InlineData("SkipToFirst", "{a b c1 c2 c3 d}|{c1 c2 c3 d}")]
    public void Skip_strategy_table_for_a_greedy_loop(string strategy, string documented)
    {
        var pattern = Pattern<string>.Begin("x", Strategy(strategy, "c*")).Where(e => e.Is('a')).Or(e => e.Is('b')).Or(e => e.Is('c'))
            .Next("y").Where(e => e.Is('b')).Or(e => e.Is('c'))
            .Next("c*").Where(e => e.Is('c')).OneOrMore().Greedy()
            .Next("d").Where(e => e.Is('d'));
        Assert.Equal(documented.Split('|'), Matches(pattern, "a b c1 c2 c3 d"));
    }

    /// <summary>The third table: a b+ on a b1 b2 b3, NO_SKIP against SKIP_TO_NEXT.</summary>
    [Theory]
    [InlineData("NoSkip", "{a b1}|{a b1 b2}|{a b1 b2 b3}")]
    [InlineData("SkipToNext", "{a b1}")]
    public void Skip_strategy_table_for_a_trailing_loop(string strategy, string documented)
    {
        var pattern = Pattern<string>.Begin("a", Strategy(strategy, null)).Where(e => e.Is('a')).FollowedBy("b").Where(e => e.Is('b')).OneOrMore();
        Assert.Equal(documented.Split('|'), Matches(pattern, "a b1 b2 b3"));
    }

    private static AfterMatchSkipStrategy Strategy(string name, string? step) => name switch
    {
        "NoSkip" => AfterMatchSkipStrategy.NoSkip,
        "SkipToNext" => AfterMatchSkipStrategy.SkipToNext,
        "SkipPastLastEvent" => AfterMatchSkipStrategy.SkipPastLastEvent,
        "SkipToFirst" => AfterMatchSkipStrategy.SkipToFirst(step!),
        "SkipToLast" => AfterMatchSkipStrategy.SkipToLast(step!),
        _ => throw new ArgumentException(name),
    };

    private static List<string> Sorted(List<string> matches) => [.. matches.Order(StringComparer.Ordinal)];
}
