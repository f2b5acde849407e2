using System.Collections.Immutable;
using System.Runtime.CompilerServices;

namespace Cep.Engine.Patterns;

/// <summary>
/// A sequence of steps to detect in a stream, in the manner of Flink CEP:
/// <code>
/// Pattern&lt;Tx&gt;.Begin("small").Where(t =&gt; t.Amount &lt; 1)
///     .FollowedBy("large").Where(t =&gt; t.Amount &gt; 500).OneOrMore()
///     .Within(TimeSpan.FromMinutes(10))
/// </code>
/// Conditions, quantifiers and contiguity apply to the step added last. A pattern is an
/// immutable value: every method returns a new pattern, so a prefix can be shared by several
/// patterns. Quantifier misuse throws <see cref="MalformedPatternException"/> at once; faults
/// of the whole (duplicate names, skip to an unknown step, an absence at the end without
/// <see cref="Within"/>) throw when the pattern is compiled, i.e. when the query is built.
/// Thread-safe (immutable).
/// </summary>
public sealed class Pattern<T>
{
    private readonly ImmutableList<StepSpec<T>> _steps;

    private Pattern(ImmutableList<StepSpec<T>> steps, TimeSpan? window, AfterMatchSkipStrategy skip)
    {
        _steps = steps;
        Window = window;
        SkipStrategy = skip;
    }

    /// <summary>The time every match must fit in (last event − first event &lt; Window); null for none.</summary>
    public TimeSpan? Window { get; }

    public AfterMatchSkipStrategy SkipStrategy { get; }

    internal ImmutableList<StepSpec<T>> Steps => _steps;

    private StepSpec<T> Last => _steps[^1];

    /// <summary>Starts a pattern with a step named <paramref name="name"/>; by default every match is emitted (<see cref="AfterMatchSkipStrategy.NoSkip"/>).</summary>
    public static Pattern<T> Begin(string name, AfterMatchSkipStrategy? skipStrategy = null) =>
        new([new StepSpec<T>(CheckName(name), StepKind.Positive, Contiguity.Strict)], null, skipStrategy ?? AfterMatchSkipStrategy.NoSkip);

    /// <summary>
    /// The event must also satisfy <paramref name="condition"/> (AND with the step's conditions
    /// so far). <paramref name="description"/> names it in explain reports; by default the
    /// condition's source text.
    /// </summary>
    public Pattern<T> Where(Func<T, bool> condition, [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return Where((e, _) => condition(e), description);
    }

    /// <summary>
    /// An iterative condition: it also sees the events this partial match has bound so far, by
    /// step name (<see cref="PatternContext{T}.Events"/>), e.g. "price above the average of the
    /// earlier ones". ANDed with the step's conditions so far.
    /// </summary>
    public Pattern<T> Where(Func<T, PatternContext<T>, bool> condition, [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var previous = Last.Condition;
        string text = description ?? "condition";
        return WithLast(Last with
        {
            Condition = previous is null ? condition : (e, c) => previous(e, c) && condition(e, c),
            Description = previous is null ? text : $"({Last.Description}) && ({text})",
        });
    }

    /// <summary>The event may satisfy <paramref name="condition"/> instead (OR with the step's conditions so far).</summary>
    public Pattern<T> Or(Func<T, bool> condition, [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return Or((e, _) => condition(e), description);
    }

    /// <summary>An iterative alternative condition (OR with the step's conditions so far).</summary>
    public Pattern<T> Or(Func<T, PatternContext<T>, bool> condition, [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var previous = Last.Condition;
        // A step without a condition accepts everything, so OR-ing to it changes nothing.
        return previous is null ? this : WithLast(Last with
        {
            Condition = (e, c) => previous(e, c) || condition(e, c),
            Description = $"({Last.Description}) || ({description ?? "condition"})",
        });
    }

    /// <summary>The event must be a <typeparamref name="TSub"/> (Flink's subtype).</summary>
    public Pattern<T> OfType<TSub>()
        where TSub : T => Where(static e => e is TSub);

    /// <summary>The step may bind no event at all.</summary>
    public Pattern<T> Optional()
    {
        RequirePositive("Optional");
        if (Last.Optional)
        {
            throw new MalformedPatternException(Last.Name, "Optional applied twice");
        }
        return WithLast(Last with { Optional = true });
    }

    /// <summary>Exactly <paramref name="times"/> events (relaxed contiguity between them unless <see cref="Consecutive"/>).</summary>
    public Pattern<T> Times(int times) => Times(times, times);

    /// <summary>From <paramref name="min"/> to <paramref name="max"/> events, both inclusive.</summary>
    public Pattern<T> Times(int min, int max)
    {
        if (min < 1 || max < min)
        {
            throw new MalformedPatternException(Last.Name, $"Times({min}, {max}) needs 1 ≤ min ≤ max (use Optional for zero)");
        }
        return Quantify("Times", min, max);
    }

    /// <summary>One or more events: a loop. Bound it with <see cref="Within"/> so its state is pruned.</summary>
    public Pattern<T> OneOrMore() => Quantify("OneOrMore", 1, int.MaxValue);

    /// <summary><paramref name="times"/> or more events.</summary>
    public Pattern<T> TimesOrMore(int times)
    {
        if (times < 1)
        {
            throw new MalformedPatternException(Last.Name, $"TimesOrMore({times}) needs at least 1 (use Optional for zero)");
        }
        return Quantify("TimesOrMore", times, int.MaxValue);
    }

    /// <summary>
    /// The loop takes as many events as it can: it hands over to the next step only on an event
    /// its own condition rejects (or once it holds its maximum).
    /// </summary>
    public Pattern<T> Greedy()
    {
        if (Last.Max <= Last.Min)
        {
            throw new MalformedPatternException(Last.Name, "Greedy applies to a step whose count may vary (OneOrMore, TimesOrMore, Times(n, m))");
        }
        return WithLast(Last with { Greedy = true });
    }

    /// <summary>
    /// A stop condition for a loop (OneOrMore, TimesOrMore), as Flink's until: an event that
    /// satisfies it is neither taken by the loop nor skipped over inside it, so the loop ends
    /// there; the partial match may go on to the next step (which may take that event). It also
    /// keeps the loop from being entered on such an event, and lets its state be dropped on an
    /// event rather than only when the window ends.
    /// </summary>
    public Pattern<T> Until(Func<T, bool> condition, [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return Until((e, _) => condition(e), description);
    }

    /// <summary>An iterative stop condition for a loop (it also sees the events bound so far); see <see cref="Until(Func{T, bool}, string?)"/>.</summary>
    public Pattern<T> Until(Func<T, PatternContext<T>, bool> condition, [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        RequirePositive("Until");
        if (Last.Max != int.MaxValue)
        {
            throw new MalformedPatternException(Last.Name, "Until applies to a looping step (OneOrMore, TimesOrMore): the step has no unbounded loop to stop");
        }
        if (Last.Until is not null)
        {
            throw new MalformedPatternException(Last.Name, "Until applied twice: combine the conditions in one");
        }
        return WithLast(Last with { Until = condition, UntilDescription = description ?? "condition" });
    }

    /// <summary>Strict contiguity inside the loop: any other event between two of its events breaks it.</summary>
    public Pattern<T> Consecutive() => Inner("Consecutive", Contiguity.Strict);

    /// <summary>
    /// Non-deterministic relaxed contiguity inside the loop: its events are any combination of
    /// the matching events. When the loop is entered with relaxed contiguity (FollowedBy) this
    /// also applies to its first event, as Flink's documented example shows ({C A2 B} is a
    /// match of "C followedBy A+ allowCombinations followedBy B" on C D A1 A2 A3 D A4 B).
    /// </summary>
    public Pattern<T> AllowCombinations() => Inner("AllowCombinations", Contiguity.NonDeterministic);

    /// <summary>Appends a step whose first event must come right after the previous step's last (strict contiguity).</summary>
    public Pattern<T> Next(string name) => Append(name, StepKind.Positive, Contiguity.Strict);

    /// <summary>Appends a step whose first event is the first matching one after the previous step's last (relaxed contiguity).</summary>
    public Pattern<T> FollowedBy(string name) => Append(name, StepKind.Positive, Contiguity.Relaxed);

    /// <summary>Appends a step whose first event is any matching one after the previous step's last (non-deterministic relaxed contiguity).</summary>
    public Pattern<T> FollowedByAny(string name) => Append(name, StepKind.Positive, Contiguity.NonDeterministic);

    /// <summary>Appends an absence: the event right after the previous step's last must not satisfy this step's conditions.</summary>
    public Pattern<T> NotNext(string name) => Append(name, StepKind.NotNext, Contiguity.Strict);

    /// <summary>
    /// Appends an absence: no event between the previous step's last and the next step's first
    /// may satisfy this step's conditions. At the end of a pattern it needs <see cref="Within"/>:
    /// the match is emitted when the watermark passes the window's end without such an event.
    /// </summary>
    public Pattern<T> NotFollowedBy(string name) => Append(name, StepKind.NotFollowedBy, Contiguity.Relaxed);

    /// <summary>Every match must fit in <paramref name="window"/>: its last event less than this after its first. Called twice, the smaller applies.</summary>
    public Pattern<T> Within(TimeSpan window)
    {
        if (window < TimeSpan.FromMilliseconds(1))
        {
            throw new MalformedPatternException(null, $"Within({window}) must be at least 1 ms");
        }
        return new(_steps, Window is { } w && w < window ? w : window, SkipStrategy);
    }

    /// <summary>The same pattern with another after-match skip strategy.</summary>
    public Pattern<T> WithSkipStrategy(AfterMatchSkipStrategy skipStrategy)
    {
        ArgumentNullException.ThrowIfNull(skipStrategy);
        return new(_steps, Window, skipStrategy);
    }

    public override string ToString() => string.Join(" ", _steps.Select(s => s.Kind switch
    {
        StepKind.Positive => s.Name + (s.Min, s.Max) switch
        {
            (1, 1) => "",
            (1, int.MaxValue) => "+",
            (var min, int.MaxValue) => $"{{{min},}}",
            (var min, var max) when min == max => $"{{{min}}}",
            (var min, var max) => $"{{{min},{max}}}",
        } + (s.Optional ? "?" : ""),
        StepKind.NotNext => $"!next({s.Name})",
        StepKind.NotFollowedBy => $"!followedBy({s.Name})",
        _ => throw new InvalidOperationException($"unknown step kind {s.Kind}"),
    }));

    private static string CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new MalformedPatternException(null, "a step needs a non-empty name");
        }
        return name;
    }

    private Pattern<T> Append(string name, StepKind kind, Contiguity entry) =>
        new(_steps.Add(new StepSpec<T>(CheckName(name), kind, entry)), Window, SkipStrategy);

    private Pattern<T> WithLast(StepSpec<T> step) => new(_steps.SetItem(_steps.Count - 1, step), Window, SkipStrategy);

    private void RequirePositive(string what)
    {
        if (Last.Kind != StepKind.Positive)
        {
            throw new MalformedPatternException(Last.Name, $"{what} does not apply to an absence step ({Last.Kind})");
        }
    }

    private Pattern<T> Quantify(string what, int min, int max)
    {
        RequirePositive(what);
        if (Last.Quantified)
        {
            throw new MalformedPatternException(Last.Name, $"{what}: the step already has a quantifier");
        }
        return WithLast(Last with { Min = min, Max = max, Quantified = true });
    }

    private Pattern<T> Inner(string what, Contiguity inner)
    {
        if (!Last.IsLoop)
        {
            throw new MalformedPatternException(Last.Name, $"{what} applies to a step that binds several events (OneOrMore, TimesOrMore, Times)");
        }
        if (Last.InnerSet)
        {
            throw new MalformedPatternException(Last.Name, $"{what}: the loop's contiguity is already set (Consecutive and AllowCombinations exclude each other)");
        }
        return WithLast(Last with { Inner = inner, InnerSet = true });
    }
}
