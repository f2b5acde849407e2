using System.Reactive.Subjects;
using Cep.Engine.Patterns;
using static Cep.Engine.Tests.Patterns.PatternRun;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests.Patterns;

/// <summary>The per-key cap on partial matches: it bounds state by dropping the oldest, and reports every drop on the Pruned side output.</summary>
public sealed class PartialMatchCapTests
{
    private static bool Kind(string e, char name) => e.Split(':')[1].Is(name);

    private static Pattern<string> AThenB => Pattern<string>.Begin("a").Where(e => Kind(e, 'a')).FollowedBy("b").Where(e => Kind(e, 'b'));

    private static (List<string> Matches, List<string> Pruned) Run(Func<PatternStream<string, string>, PatternStream<string, string>> configure, IEnumerable<StreamItem<string>> input)
    {
        var pruned = new List<string>();
        var (items, error, _) = Pipeline.Run(input, s =>
        {
            var matches = configure(s.KeyBy(e => e.Split(':')[0]).Pattern(AThenB));
            matches.Pruned.Subscribe(i => { if (i.IsEvent) { pruned.Add($"{i.Value.Key} {Format(i.Value.Events)}@{i.Timestamp}: {i.Value.Reason}"); } });
            return matches.Select(Format);
        }, complete: false);
        Assert.Null(error);
        return (items.Where(i => i.IsEvent).Select(i => $"{i.Value}@{i.Timestamp}").ToList(), pruned);
    }

    /// <summary>
    /// Key k is flooded with five starts a1…a5 (times 1–5), then b at 6; key j sends one a and
    /// a b. Cap 3: a4 pushes out a1 (at time 4), a5 pushes out a2 (at time 5), so b completes
    /// only a3, a4, a5. Key j is under the cap and untouched.
    /// </summary>
    [Fact]
    public void A_key_flooded_with_starts_keeps_at_most_n_partials_and_reports_the_oldest_it_drops()
    {
        var input = new[]
        {
            E("k:a1", 1), E("k:a2", 2), E("k:a3", 3), E("k:a4", 4), E("k:a5", 5), E("k:b", 6),
            E("j:a", 2), E("j:b", 7), W<string>(10),
        };
        var (matches, pruned) = Run(p => p.WithMaxPartialMatchesPerKey(3), input);
        Assert.Equal(["{k:a3 k:b}@6", "{k:a4 k:b}@6", "{k:a5 k:b}@6", "{j:a j:b}@7"], matches);
        Assert.Equal(
            [
                "k {k:a1}@4: key held more than 3 partial matches (max_partial_matches_per_key): dropped the oldest, started at 1",
                "k {k:a2}@5: key held more than 3 partial matches (max_partial_matches_per_key): dropped the oldest, started at 2",
            ],
            pruned);
    }

    /// <summary>The same flood: the first drop is logged at once as a warning; the second, within 10 s, is only counted (the metric and Pruned still see it).</summary>
    [Fact]
    public void The_cap_biting_is_logged_as_a_warning_at_most_every_10_seconds()
    {
        var logger = new ListLogger();
        var input = new[] { E("k:a1", 1), E("k:a2", 2), E("k:a3", 3), E("k:a4", 4), E("k:a5", 5), W<string>(10) };
        var (_, pruned) = Run(p => p.WithMaxPartialMatchesPerKey(3).WithLogger(logger), input);
        Assert.Equal(2, pruned.Count);
        var line = Assert.Single(logger.Lines);
        Assert.Equal("Warning: pattern 'a b': key k held more than 3 partial matches, so the oldest were dropped to the Pruned output; 1 dropped over 1 event(s) since the last report (next report in 10 s at the earliest)", line);
    }

    [Fact]
    public void Without_a_cap_nothing_is_pruned()
    {
        var input = new[] { E("k:a1", 1), E("k:a2", 2), E("k:a3", 3), E("k:b", 4), W<string>(10) };
        var (matches, pruned) = Run(p => p, input);
        Assert.Equal(["{k:a1 k:b}@4", "{k:a2 k:b}@4", "{k:a3 k:b}@4"], matches);
        Assert.Empty(pruned);
    }

    [Fact]
    public void The_cap_must_be_positive()
    {
        var stream = Streams.FromItems(new Subject<StreamItem<string>>()).KeyBy(e => e).Pattern(AThenB);
        Assert.Throws<ArgumentOutOfRangeException>(() => stream.WithMaxPartialMatchesPerKey(0));
    }
}
