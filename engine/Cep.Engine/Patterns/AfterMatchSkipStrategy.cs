namespace Cep.Engine.Patterns;

/// <summary>
/// What a completed match does to the other partial matches of its key (Flink CEP's
/// AfterMatchSkipStrategy). Each strategy discards every partial match — and every match
/// completed by the same event but not yet emitted — that started before a bound:
/// <list type="bullet">
/// <item><see cref="NoSkip"/>: no bound; every match is emitted.</item>
/// <item><see cref="SkipToNext"/>: the match's first event, inclusive (no other match starts with it).</item>
/// <item><see cref="SkipPastLastEvent"/>: the match's last event, inclusive (matches never overlap).</item>
/// <item><see cref="SkipToFirst"/>: the first event bound to the named step, exclusive.</item>
/// <item><see cref="SkipToLast"/>: the last event bound to the named step, exclusive.</item>
/// </list>
/// Matches completed by one event are emitted earliest-start first. When the named step bound
/// no event in the match, nothing is skipped (Flink's default). Immutable.
/// </summary>
public sealed class AfterMatchSkipStrategy
{
    private AfterMatchSkipStrategy(AfterMatchSkipKind kind, string? stepName)
    {
        Kind = kind;
        StepName = stepName;
    }

    public static AfterMatchSkipStrategy NoSkip { get; } = new(AfterMatchSkipKind.NoSkip, null);

    public static AfterMatchSkipStrategy SkipToNext { get; } = new(AfterMatchSkipKind.SkipToNext, null);

    public static AfterMatchSkipStrategy SkipPastLastEvent { get; } = new(AfterMatchSkipKind.SkipPastLastEvent, null);

    internal AfterMatchSkipKind Kind { get; }

    /// <summary>The step named by <see cref="SkipToFirst"/> / <see cref="SkipToLast"/>; null otherwise.</summary>
    public string? StepName { get; }

    public static AfterMatchSkipStrategy SkipToFirst(string stepName)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepName);
        return new(AfterMatchSkipKind.SkipToFirst, stepName);
    }

    public static AfterMatchSkipStrategy SkipToLast(string stepName)
    {
        ArgumentException.ThrowIfNullOrEmpty(stepName);
        return new(AfterMatchSkipKind.SkipToLast, stepName);
    }

    public override string ToString() => StepName is null ? Kind.ToString() : $"{Kind}({StepName})";
}
