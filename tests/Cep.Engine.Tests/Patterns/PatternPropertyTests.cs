using Cep.Engine.Patterns;
using FsCheck;
using FsCheck.Fluent;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests.Patterns;

/// <summary>
/// The NFA finds exactly the matches a literal enumeration finds (<see cref="BruteForceMatcher"/>),
/// in the same order, for a few fixed pattern shapes covering every contiguity, quantifiers,
/// greedy loops, stop conditions (Until), absences, windows and skip strategies, on short random inputs with ties in
/// time. Seeds are fixed (Replay); FsCheck prints a failing case.
/// </summary>
public sealed class PatternPropertyTests
{
    private const Contiguity Strict = Contiguity.Strict;
    private const Contiguity Relaxed = Contiguity.Relaxed;
    private const Contiguity Any = Contiguity.NonDeterministic;
    private const StepKind Positive = StepKind.Positive;

    private static readonly (ShapeStep[] Steps, long Window)[] Shapes =
    [
        // a b+ c: relaxed into a relaxed loop, then strict.
        ([new("a", "a", Positive, Strict), new("b", "b", Positive, Relaxed, 1, int.MaxValue), new("c", "c", Positive, Strict)], long.MaxValue),

        // a? b{1,2} c: optional start, bounded consecutive loop of b|c, then any c.
        ([new("a", "a", Positive, Strict, Optional: true), new("b", "bc", Positive, Strict, 1, 2, Inner: Strict), new("c", "c", Positive, Any)], 5),

        // (a|b){2,} greedy, not next c, then followed by c or d.
        ([new("b", "ab", Positive, Strict, 2, int.MaxValue, Greedy: true), new("n", "c", StepKind.NotNext, Strict), new("c", "cd", Positive, Relaxed)], 6),

        // a, nothing c before, then b+ with combinations (an open-ended loop at the end).
        ([new("a", "a", Positive, Strict), new("n", "c", StepKind.NotFollowedBy, Relaxed), new("b", "bd", Positive, Relaxed, 1, int.MaxValue, Inner: Any)], 4),

        // a followedByAny b{1,2}, then optional d, under a window.
        ([new("a", "ad", Positive, Strict), new("b", "b", Positive, Any, 1, 2), new("d", "d", Positive, Relaxed, Optional: true)], 4),

        // a then (b|c)+ until c, then followed by c or d: the stop event may be the next step's.
        ([new("a", "a", Positive, Strict), new("b", "bc", Positive, Relaxed, 1, int.MaxValue, UntilLetters: "c"), new("c", "cd", Positive, Relaxed)], long.MaxValue),

        // (a|b){2,} with combinations until d, the only step (skips to it), under a window.
        ([new("b", "ab", Positive, Strict, 2, int.MaxValue, Inner: Any, UntilLetters: "d")], 5),
    ];

    /// <summary>A pattern ending with NotFollowedBy: matches go out at timers, so only the set is compared.</summary>
    private static readonly (ShapeStep[] Steps, long Window) Absent =
        ([new("a", "a", Positive, Strict), new("b", "b", Positive, Relaxed, 1, 2), new("n", "c", StepKind.NotFollowedBy, Relaxed)], 4);

    private static readonly string[] Skips = ["NoSkip", "SkipToNext", "SkipPastLastEvent", "SkipToFirst", "SkipToLast"];

    private static Gen<List<(string Label, long Time)>> InputGen =>
        from letters in Gen.ListOf(Gen.Elements('a', 'b', 'c', 'd')).Select(l => l.Take(8).ToList())
        from steps in Gen.ListOf(Gen.Choose(0, 2), letters.Count)
        select letters.Select((ch, i) => ($"{ch}{i}", (long)steps.Take(i + 1).Sum())).ToList();

    private static List<string> Run(Pattern<string> pattern, List<(string Label, long Time)> input) =>
        Events(input.Select(e => E(e.Label, e.Time)), s => s.KeyBy(_ => 0).Pattern(pattern)
                .Select(m => BruteForceMatcher.Format(m.SelectMany(kv => kv.Value.Select(v => (kv.Key, v))))))
            .Select(r => r.Value)
            .ToList();

    private static AfterMatchSkipStrategy Skip(string name, string step) => name switch
    {
        "NoSkip" => AfterMatchSkipStrategy.NoSkip,
        "SkipToNext" => AfterMatchSkipStrategy.SkipToNext,
        "SkipPastLastEvent" => AfterMatchSkipStrategy.SkipPastLastEvent,
        "SkipToFirst" => AfterMatchSkipStrategy.SkipToFirst(step),
        _ => AfterMatchSkipStrategy.SkipToLast(step),
    };

    [Fact]
    public void The_nfa_finds_the_matches_the_rules_allow_in_emission_order_under_every_skip_strategy()
    {
        var gen = from shape in Gen.Choose(0, Shapes.Length - 1)
                  from skip in Gen.Elements(Skips)
                  from input in InputGen
                  select (shape, skip, input);
        Prop.ForAll(gen.ToArbitrary(), c =>
        {
            var (steps, window) = Shapes[c.shape];
            var skip = Skip(c.skip, "b");
            var expected = new BruteForceMatcher(steps, window, skip).Matches(c.input);
            var actual = Run(BruteForceMatcher.Build(steps, window, skip), c.input);
            Assert.True(expected.SequenceEqual(actual), $"shape {c.shape}, {c.skip}, input {string.Join(" ", c.input)}\nexpected {string.Join(" | ", expected)}\nactual   {string.Join(" | ", actual)}");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(900).WithReplay(new Replay(new Rnd(20240611, 424243), null)));
    }

    [Fact]
    public void The_nfa_confirms_the_same_trailing_absences_as_the_rules()
    {
        Prop.ForAll(InputGen.ToArbitrary(), input =>
        {
            var expected = new BruteForceMatcher(Absent.Steps, Absent.Window, AfterMatchSkipStrategy.NoSkip).Matches(input).Order(StringComparer.Ordinal);
            var actual = Run(BruteForceMatcher.Build(Absent.Steps, Absent.Window, AfterMatchSkipStrategy.NoSkip), input).Order(StringComparer.Ordinal);
            Assert.Equal(expected, actual);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(new Replay(new Rnd(7771, 3331), null)));
    }
}
