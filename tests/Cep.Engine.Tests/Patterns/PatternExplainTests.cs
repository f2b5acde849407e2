using System.Reactive.Subjects;
using Cep.Engine.Patterns;
using static Cep.Engine.Tests.Patterns.PatternRun;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests.Patterns;

/// <summary>Explain mode: a key's partial matches and, for its recent events, every condition tested and whether it held.</summary>
public sealed class PatternExplainTests
{
    private static bool Kind(string e, char name) => e.Split(':')[1].Is(name);

    /// <summary>a, then strictly b, then eventually c; named so reports and metrics say which query.</summary>
    private static Pattern<string> Sequence => Pattern<string>.Begin("a").Where(e => Kind(e, 'a'))
        .Next("b").Where(e => Kind(e, 'b'))
        .FollowedBy("c").Where(e => Kind(e, 'c'));

    private static PatternStream<string, string> Run(Func<PatternStream<string, string>, PatternStream<string, string>> configure, IEnumerable<StreamItem<string>> input)
    {
        PatternStream<string, string>? stream = null;
        var (_, error, _) = Pipeline.Run(input, s =>
        {
            stream = configure(s.KeyBy(e => e.Split(':')[0]).Pattern(Sequence).WithName("a-b-c"));
            return stream.Select(Format);
        }, complete: false);
        Assert.Null(error);
        return stream!;
    }

    /// <summary>
    /// Key k: a at 1 starts; x at 2 breaks the strict a → b (b's condition fails) and starts
    /// nothing; a at 3 starts again; b at 4 extends it; after watermark 10, a at 5 is late. So
    /// the one partial match is [a=k:a@3 b=k:b@4], waiting for c, and each event's line names
    /// the step and condition it passed or failed.
    /// </summary>
    [Fact]
    public void The_report_names_the_step_and_condition_each_event_passed_or_failed()
    {
        var input = new[] { E("k:a", 1), E("k:x", 2), E("k:a", 3), E("k:b", 4), E("j:a", 4), W<string>(10), E("k:a", 5) };
        var stream = Run(p => p.WithExplain(["k"]), input);

        var report = stream.Explain("k");
        Assert.True(report.Traced);
        Assert.Equal(
            """
            pattern a-b-c, key k
            partial matches (1):
              [a=k:a@3 b=k:b@4] expecting c
            recent events (5):
              k:a@1: bound to 'a'
                new: step 'a' passed: e => Kind(e, 'a')
              k:x@2: not bound: no step's condition held
                [a=k:a@1]: step 'b' FAILED: e => Kind(e, 'b')
                new: step 'a' FAILED: e => Kind(e, 'a')
              k:a@3: bound to 'a'
                new: step 'a' passed: e => Kind(e, 'a')
              k:b@4: bound to 'b'
                [a=k:a@3]: step 'b' passed: e => Kind(e, 'b')
                new: step 'a' FAILED: e => Kind(e, 'a')
              k:a@5: late: event time 5 ≤ watermark 10: the pattern has matched every event up to the watermark

            """.ReplaceLineEndings("\n"),
            report.ToString());

        // The structured form carries the same facts.
        var failed = report.RecentEvents[1].Checks[0];
        Assert.Equal(("[a=k:a@1]", "b", "e => Kind(e, 'b')", false), (failed.PartialMatch, failed.Step, failed.Condition, failed.Passed));
        Assert.Equal(["a", "b"], report.PartialMatches[0].Bound.Select(b => b.Step));
    }

    [Fact]
    public void A_key_explain_is_not_enabled_for_shows_its_partial_matches_but_no_trace()
    {
        var stream = Run(p => p.WithExplain(["k"]), [E("j:a", 1), W<string>(10)]);
        var report = stream.Explain("j");
        Assert.False(report.Traced);
        Assert.Empty(report.RecentEvents);
        Assert.Equal("pattern a-b-c, key j\npartial matches (1):\n  [a=j:a@1] expecting b\nrecent events: not traced (enable with WithExplain)\n", report.ToString());
    }

    [Fact]
    public void Explain_is_off_by_default_and_the_trace_keeps_only_the_last_n_events()
    {
        var input = new[] { E("k:a", 1), E("k:b", 2), E("k:y", 3), E("k:c", 4), W<string>(10) };
        Assert.False(Run(p => p, input).Explain("k").Traced);

        var report = Run(p => p.WithExplain(recentEvents: 2), input).Explain("k");
        Assert.Equal(["k:y", "k:c"], report.RecentEvents.Select(t => t.Value));
        Assert.Equal("bound to 'c'; completed 1 match(es), 1 emitted after the skip strategy", report.RecentEvents[1].Outcome);
        Assert.Empty(report.PartialMatches);
    }

    [Fact]
    public void An_absence_the_event_violates_is_reported_as_such()
    {
        var pattern = Pattern<string>.Begin("a").Where(e => e.Is('a')).NotNext("no-c").Where(e => e.Is('c')).FollowedBy("b").Where(e => e.Is('b'));
        PatternStream<byte, string>? stream = null;
        Pipeline.Run([E("a", 1), E("c", 2), W<string>(10)], s =>
        {
            stream = s.Pattern(pattern).WithExplain();
            return stream.Select(Format);
        }, complete: false);
        var checks = stream!.Explain(0).RecentEvents[1].Checks.Select(c => c.ToString());
        Assert.Equal(["[a=a@1]: absence 'no-c' VIOLATED: e => e.Is('c')", "new: step 'a' FAILED: e => e.Is('a')"], checks);
    }

    [Fact]
    public void A_condition_that_throws_is_in_the_trace_with_the_checks_before_it()
    {
        var pattern = Pattern<string>.Begin("a").Where(e => e.Is('a')).Next("b").Where(e => e == "boom" ? throw new InvalidOperationException("bad b") : e.Is('b'));
        PatternStream<byte, string>? stream = null;
        var (_, error, _) = Pipeline.Run([E("a", 1), E("boom", 2), W<string>(10)], s =>
        {
            stream = s.Pattern(pattern).WithExplain();
            return stream.Select(Format);
        }, complete: false);
        Assert.IsType<OperatorException>(error);
        var trace = stream!.Explain(0).RecentEvents[^1];
        Assert.Equal("the condition of step 'b' threw InvalidOperationException: bad b; the event was skipped for this key", trace.Outcome);
        Assert.Empty(trace.Checks); // the throwing test is the first one for this event
    }

    [Fact]
    public void Explain_before_the_pattern_runs_says_so()
    {
        var stream = Streams.FromItems(new Subject<StreamItem<string>>()).KeyBy(e => e).Pattern(Sequence).WithName("idle");
        var error = Assert.Throws<InvalidOperationException>(() => stream.Explain("k"));
        Assert.Equal("pattern 'idle' is not running: Select from it and subscribe first", error.Message);
    }
}
