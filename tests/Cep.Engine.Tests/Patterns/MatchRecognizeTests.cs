using Cep.Engine.Patterns;
using static Cep.Engine.Tests.Patterns.PatternRun;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests.Patterns;

/// <summary>The MATCH_RECOGNIZE text form: what it parses to, the fluent pattern it equals, and each fault with its column.</summary>
public sealed class MatchRecognizeTests
{
    [Theory]
    [InlineData("PATTERN (A B+ C)", "A B+ C", null, "SkipPastLastEvent")]
    [InlineData("PATTERN (A B* C?) WITHIN 10m", "A B+? C?", 600_000, "SkipPastLastEvent")]
    [InlineData("PATTERN (a b{2} c{2,} d{2,4} e{,3} f{0,3} g{0,} h{1} i{1,1} j{0,1} k)", "a b{2} c{2,} d{2,4} e{1,3}? f{1,3}? g+? h i j? k", null, "SkipPastLastEvent")]
    [InlineData("PATTERN (A B+? C*? D{2,3}? E{3}?)", "A B+ C+? D{2,3} E{3}", null, "SkipPastLastEvent")]
    [InlineData("pattern(A_1 b2)within 5S", "A_1 b2", 5_000, "SkipPastLastEvent")]
    [InlineData("PATTERN (A) WITHIN 250ms", "A", 250, "SkipPastLastEvent")]
    [InlineData("PATTERN (A) WITHIN 1h", "A", 3_600_000, "SkipPastLastEvent")]
    [InlineData("PATTERN (A) WITHIN 2d", "A", 172_800_000, "SkipPastLastEvent")]
    [InlineData("PATTERN (A) WITHIN INTERVAL '10' MINUTE", "A", 600_000, "SkipPastLastEvent")]
    [InlineData("PATTERN (A) within interval '1' hour", "A", 3_600_000, "SkipPastLastEvent")]
    [InlineData("PATTERN (A) WITHIN INTERVAL '0.5' SECOND", "A", 500, "SkipPastLastEvent")]
    [InlineData("PATTERN (A) WITHIN INTERVAL '2' DAY", "A", 172_800_000, "SkipPastLastEvent")]
    [InlineData("AFTER MATCH SKIP PAST LAST ROW PATTERN (A B+ C)", "A B+ C", null, "SkipPastLastEvent")]
    [InlineData("PATTERN (A B+ C) WITHIN 1s after match skip to next row", "A B+ C", 1_000, "SkipToNext")]
    [InlineData("PATTERN (A B+ C) AFTER MATCH SKIP TO FIRST B", "A B+ C", null, "SkipToFirst(B)")]
    [InlineData("AFTER MATCH SKIP TO LAST B PATTERN (A B+ C)", "A B+ C", null, "SkipToLast(B)")]
    [InlineData("AFTER MATCH SKIP TO B PATTERN (A B+ C)", "A B+ C", null, "SkipToLast(B)")]
    [InlineData("AFTER MATCH SKIP TO NEXT PATTERN (A NEXT+ C)", "A NEXT+ C", null, "SkipToLast(NEXT)")]
    [InlineData("AFTER MATCH SKIP TO LAST PATTERN (A LAST+ C)", "A LAST+ C", null, "SkipToLast(LAST)")]
    [InlineData("PATTERN (A+ B) AFTER MATCH SKIP TO A", "A+ B", null, "SkipToLast(A)")]
    [InlineData("\n  PATTERN (\n    A\n    B+\n  )\n  WITHIN 10s\n", "A B+", 10_000, "SkipPastLastEvent")]
    public void Parses(string text, string steps, int? windowMs, string skip)
    {
        var pattern = MatchRecognize.Parse<string>(text);
        Assert.Equal(steps, pattern.ToString());
        Assert.Equal(windowMs + 1, pattern.Window is { } w ? (int)w.TotalMilliseconds : null); // WITHIN includes its end: the window is one ms longer
        Assert.Equal(skip, pattern.SkipStrategy.ToString());
    }

    /// <summary>Variables join strictly, loops are consecutive, and every loop but the last is greedy unless reluctant: the same steps as the fluent form.</summary>
    [Fact]
    public void Compiles_to_the_fluent_pattern_it_stands_for()
    {
        var text = MatchRecognize.Parse<string>("PATTERN (A B+ C* D{2,3}? E{0,2} F? G{2} H+)");
        var fluent = Pattern<string>.Begin("A", AfterMatchSkipStrategy.SkipPastLastEvent)
            .Next("B").OneOrMore().Consecutive().Greedy()
            .Next("C").OneOrMore().Optional().Consecutive().Greedy()
            .Next("D").Times(2, 3).Consecutive()
            .Next("E").Times(1, 2).Optional().Consecutive().Greedy()
            .Next("F").Optional()
            .Next("G").Times(2).Consecutive()
            .Next("H").OneOrMore().Consecutive();
        Assert.Equal(Shape(fluent), Shape(text));
        Assert.Equal(fluent.SkipStrategy, text.SkipStrategy);
    }

    private static List<string> Shape(Pattern<string> pattern) =>
        [.. pattern.Steps.Select(s => $"{s.Name} {s.Kind} {s.Entry} {s.Min}..{s.Max} optional={s.Optional} greedy={s.Greedy} inner={s.Inner}")];

    [Fact]
    public void Define_gives_each_variable_its_condition_and_the_others_accept_every_row()
    {
        var define = new MatchDefinitions<string>
        {
            { "A", e => e.Is('a') },
            { "C", (e, match) => e.Is('c') && match.Events("B").Count == 2 },
        };
        var pattern = MatchRecognize.Parse("PATTERN (A B{1,2}? C)", define);
        Assert.Equal(["e => e.Is('a')", "true", "(e, match) => e.Is('c') && match.Events(\"B\").Count == 2"], pattern.Steps.Select(s => s.Description));
        Assert.Equal(["{a x c1 c2}", "{a c1 c2 c3}"], Matches(pattern, "a x c1 c2 a c1 c2 c3"));
    }

    [Fact]
    public void The_stream_dsl_takes_the_text_define_and_measures()
    {
        var define = new MatchDefinitions<string> { { "A", e => e.Is('a') }, { "B", e => e.Is('b') }, { "C", e => e.Is('c') } };
        var results = Events(
            "a1 b1 b2 c1 a2 c2 a3 b3 c3".Split(' ').Select((e, i) => E(e, i + 1)),
            s => s.KeyBy(_ => "k").MatchRecognize("PATTERN (A B+ C) WITHIN 10ms", define, m => $"{m["A"][0]}: {m["B"].Count} b, then {m["C"][0]}"));
        Assert.Equal(new List<(string, long)> { ("a1: 2 b, then c1", 4), ("a3: 1 b, then c3", 9) }, results);
    }

    [Fact]
    public void A_fault_names_the_column_and_shows_it_with_a_caret()
    {
        var e = Assert.Throws<MalformedPatternException>(() => MatchRecognize.Parse<string>("PATTERN (A B+ C{2,1})"));
        Assert.Equal("PATTERN (A B+ C{2,1}) col 16: pattern step 'C': {2,1} needs min ≤ max\n               ^", e.Message);
        Assert.Equal(16, e.Column);
        Assert.Equal("C", e.StepName);
    }

    [Fact]
    public void A_fault_in_text_over_several_lines_counts_a_line_break_as_a_column()
    {
        var e = Assert.Throws<MalformedPatternException>(() => MatchRecognize.Parse<string>("PATTERN (A B+\n  C{2,1})"));
        Assert.Equal(18, e.Column);
        Assert.StartsWith("PATTERN (A B+   C{2,1}) col 18:", e.Message);
    }

    [Theory]
    [InlineData("", 1, null, "empty text")]
    [InlineData("SELECT *", 1, null, "unexpected 'SELECT': expected PATTERN ( … )")]
    [InlineData("PATTERN A B", 9, null, "unexpected 'A': expected '(' after PATTERN")]
    [InlineData("PATTERN (A B+ C", 9, null, "unbalanced parentheses: this '(' is never closed")]
    [InlineData("PATTERN (A B) )", 15, null, "unbalanced parentheses: ')' without '('")]
    [InlineData("PATTERN ()", 10, null, "empty pattern")]
    [InlineData("PATTERN (A B A)", 14, "A", "the variable is used twice (first at col 10)")]
    [InlineData("PATTERN (A B-C)", 13, null, "unexpected '-'")]
    [InlineData("PATTERN (A B) WITHOUT 5s", 15, null, "unexpected 'WITHOUT'")]
    [InlineData("PATTERN (A B) PATTERN (C)", 15, null, "PATTERN is given twice")]
    [InlineData("WITHIN 5s PATTERN (A B)", 1, null, "WITHIN comes after PATTERN")]
    [InlineData("PATTERN (A B) WITHIN 1s WITHIN 2s", 25, null, "WITHIN is given twice")]
    [InlineData("PATTERN (A (B C)+)", 12, null, "pattern groups are not supported")]
    [InlineData("PATTERN (A | B)", 12, null, "alternation (|) is not supported")]
    [InlineData("PATTERN (A +)", 12, null, "'+' follows no variable")]
    [InlineData("PATTERN (A B+*)", 14, null, "'*' follows no variable")]
    [InlineData("PATTERN (A B??)", 14, "B", "a reluctant optional quantifier (??) is not supported")]
    [InlineData("PATTERN (A B{0,1}?)", 18, "B", "a reluctant optional quantifier ({0,1}?) is not supported")]
    [InlineData("PATTERN (A B+ C{2,1})", 16, "C", "{2,1} needs min ≤ max")]
    [InlineData("PATTERN (A B{0})", 13, "B", "{0} matches no rows")]
    [InlineData("PATTERN (A B{,0})", 13, "B", "{,0} matches no rows")]
    [InlineData("PATTERN (A B{})", 13, "B", "{} needs a count")]
    [InlineData("PATTERN (A B{,})", 13, "B", "{,} needs a count")]
    [InlineData("PATTERN (A B{x})", 14, "B", "unexpected 'x': expected a count")]
    [InlineData("PATTERN (A B{2 3})", 16, "B", "unexpected '3': expected ',' or '}'")]
    [InlineData("PATTERN (A B{2,3)", 17, "B", "unexpected ')': expected '}'")]
    [InlineData("PATTERN (A B{2,", 13, "B", "unbalanced braces")]
    [InlineData("PATTERN (A B{99999999999})", 14, "B", "99999999999 is too large a count")]
    [InlineData("PATTERN (A B) WITHIN 10x", 24, null, "unknown time unit 'x' (ms, s, m, h, d)")]
    [InlineData("PATTERN (A B) WITHIN 10 m", 24, null, "the duration needs a unit right after the number")]
    [InlineData("PATTERN (A B) WITHIN", 21, null, "expected a duration after WITHIN")]
    [InlineData("PATTERN (A B) WITHIN 0s", 22, null, "WITHIN needs at least 1 ms")]
    [InlineData("PATTERN (A B) WITHIN INTERVAL '10' WEEK", 36, null, "unknown time unit 'WEEK' (SECOND, MINUTE, HOUR, DAY)")]
    [InlineData("PATTERN (A B) WITHIN INTERVAL 10 MINUTE", 31, null, "unexpected '10': expected a quoted number after INTERVAL")]
    [InlineData("PATTERN (A B) WITHIN INTERVAL '10 MINUTE", 34, null, "unexpected ' ': expected the closing '")]
    [InlineData("PATTERN (A B) WITHIN INTERVAL '10", 31, null, "unbalanced quotes")]
    [InlineData("PATTERN (A B) AFTER SKIP PAST LAST ROW", 21, null, "unexpected 'SKIP': expected MATCH after AFTER")]
    [InlineData("PATTERN (A B) AFTER MATCH SKIP PAST ROW", 37, null, "unexpected 'ROW': expected LAST after SKIP PAST")]
    [InlineData("PATTERN (A B) AFTER MATCH SKIP TO", 34, null, "expected NEXT ROW, FIRST v, LAST v or a variable after SKIP TO")]
    [InlineData("PATTERN (A B) AFTER MATCH SKIP TO X", 35, "X", "names a variable the pattern does not have (variables: A, B)")]
    [InlineData("AFTER MATCH SKIP TO LAST b PATTERN (A B)", 26, "b", "names a variable the pattern does not have")]
    [InlineData("PATTERN (A B) AFTER MATCH SKIP TO FIRST A", 41, "A", "would find it again without end")]
    [InlineData("PATTERN (A B) AFTER MATCH SKIP TO A", 35, "A", "would find it again without end")]
    [InlineData("PATTERN (A B) AFTER MATCH SKIP PAST LAST ROW AFTER MATCH SKIP TO NEXT ROW", 46, null, "AFTER MATCH SKIP is given twice")]
    [InlineData("AFTER MATCH SKIP PAST LAST ROW", 31, null, "expected PATTERN ( … ) after AFTER MATCH SKIP")]
    public void Faults_name_the_column(string text, int column, string? step, string message)
    {
        var e = Assert.Throws<MalformedPatternException>(() => MatchRecognize.Parse<string>(text));
        Assert.Equal(column, e.Column);
        Assert.Equal(step, e.StepName);
        Assert.Contains(message, e.Message);
    }

    /// <summary>Checks of the compiled pattern (here: a pattern that could match no rows, which Flink SQL rejects too) name the step's column.</summary>
    [Theory]
    [InlineData("PATTERN (A*)", 10, "A")]
    [InlineData("PATTERN (A? B* C{0,3})", 10, "A")]
    public void Faults_of_the_compiled_pattern_name_the_column_of_the_step(string text, int column, string step)
    {
        var e = Assert.Throws<MalformedPatternException>(() => MatchRecognize.Parse<string>(text));
        Assert.Equal(column, e.Column);
        Assert.Equal(step, e.StepName);
        Assert.Contains("every step is optional", e.Message);
        Assert.IsType<MalformedPatternException>(e.InnerException);
    }

    [Fact]
    public void Define_for_a_variable_the_pattern_lacks_names_it_and_the_variable_list()
    {
        var define = new MatchDefinitions<string> { { "A", e => true }, { "D", e => true } };
        var e = Assert.Throws<MalformedPatternException>(() => MatchRecognize.Parse("PATTERN (A B C)", define));
        Assert.Equal(9, e.Column);
        Assert.Equal("D", e.StepName);
        Assert.Contains("DEFINE has a condition for a variable the pattern does not have (variables: A, B, C)", e.Message);
    }

    [Fact]
    public void Define_twice_for_one_variable_is_refused_at_once()
    {
        var e = Assert.Throws<ArgumentException>(() => new MatchDefinitions<string> { { "A", e => true }, { "A", (e, _) => false } });
        Assert.Contains("'A'", e.Message);
    }

    [Fact]
    public void Variable_names_are_case_sensitive()
    {
        var e = Assert.Throws<MalformedPatternException>(() => MatchRecognize.Parse("PATTERN (a B)", new MatchDefinitions<string> { { "A", e => true } }));
        Assert.Equal("A", e.StepName);
        Assert.Equal(2, MatchRecognize.Parse<string>("PATTERN (a A)").Steps.Count);
    }

    [Fact]
    public void A_fault_found_while_building_the_query_names_the_column_too()
    {
        var e = Assert.Throws<MalformedPatternException>(() => Streams.FromItems(new System.Reactive.Subjects.Subject<StreamItem<string>>())
            .KeyBy(e => e)
            .MatchRecognize("PATTERN (A B{3,2})", null, m => m.Count));
        Assert.Equal(13, e.Column);
    }
}
