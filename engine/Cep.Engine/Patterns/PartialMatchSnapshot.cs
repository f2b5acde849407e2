namespace Cep.Engine.Patterns;

/// <summary>
/// A partial match as it stands: the events it has bound (first first), the steps that may
/// take its next event, and the last instant its window allows (null without Within).
/// Immutable; a copy, not a view of the running state.
/// </summary>
public sealed record PartialMatchSnapshot<T>(IReadOnlyList<BoundEvent<T>> Bound, IReadOnlyList<string> Expecting, long? Deadline)
{
    public override string ToString() =>
        $"[{string.Join(" ", Bound)}] expecting {string.Join(" or ", Expecting)}" + (Deadline is { } d ? $", until {d}" : "");
}
