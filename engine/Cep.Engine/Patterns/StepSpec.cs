namespace Cep.Engine.Patterns;

/// <summary>
/// One step of a <see cref="Pattern{T}"/> as written: an immutable value the fluent methods
/// copy with changes. <see cref="Condition"/> is null until the first Where (null accepts
/// every event). <see cref="Description"/> is its text for explain reports. <see cref="Max"/> is int.MaxValue for an unbounded loop.
/// </summary>
internal sealed record StepSpec<T>(
    string Name,
    StepKind Kind,
    Contiguity Entry,
    Func<T, PatternContext<T>, bool>? Condition = null,
    int Min = 1,
    int Max = 1,
    bool Quantified = false,
    bool Optional = false,
    bool Greedy = false,
    Contiguity Inner = Contiguity.Relaxed,
    bool InnerSet = false,
    string Description = "true",
    Func<T, PatternContext<T>, bool>? Until = null,
    string? UntilDescription = null)
{
    public bool IsLoop => Max > 1;
}
