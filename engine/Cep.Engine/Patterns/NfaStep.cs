namespace Cep.Engine.Patterns;

/// <summary>
/// A positive step of a compiled <see cref="Nfa{T}"/>: its condition (never null: a step
/// without Where accepts everything), how many events it binds, and the contiguity that
/// applies on entering it and inside its loop. Immutable, shared by all keys.
/// </summary>
internal sealed class NfaStep<T>(
    string name,
    int index,
    Func<T, PatternContext<T>, bool> condition,
    int min,
    int max,
    bool optional,
    bool greedy,
    Contiguity entry,
    Contiguity inner,
    Absence<T>[] absencesBefore,
    string description,
    Func<T, PatternContext<T>, bool>? until = null,
    string? untilDescription = null)
{
    public string Name { get; } = name;

    public int Index { get; } = index;

    public Func<T, PatternContext<T>, bool> Condition { get; } = condition;

    /// <summary>The condition as written, for explain reports.</summary>
    public string Description { get; } = description;

    /// <summary>Events it binds when it binds any (≥ 1).</summary>
    public int Min { get; } = min;

    /// <summary>At most; int.MaxValue for an unbounded loop.</summary>
    public int Max { get; } = max;

    /// <summary>May bind nothing.</summary>
    public bool Optional { get; } = optional;

    public bool Greedy { get; } = greedy;

    public Contiguity Entry { get; } = entry;

    public Contiguity Inner { get; } = inner;

    /// <summary>
    /// The loop's stop condition (Flink's until), or null: an event that satisfies it is neither
    /// taken by the step nor skipped inside its loop, so it ends the loop (the partial match may
    /// still go on to the next step with it). Waiting to enter the step is not affected.
    /// </summary>
    public Func<T, PatternContext<T>, bool>? Until { get; } = until;

    /// <summary>The stop condition as written, for explain reports.</summary>
    public string? UntilDescription { get; } = untilDescription;

    /// <summary>The NotNext/NotFollowedBy steps written between the previous positive step and this one.</summary>
    public Absence<T>[] AbsencesBefore { get; } = absencesBefore;
}
