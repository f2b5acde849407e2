namespace Cep.Engine.Patterns;

/// <summary>
/// One condition test while matching one event: which partial match was being extended
/// (<see cref="PartialMatch"/>: its bound events, or "new" for a possible start), the step, the
/// condition as written, and whether it held. For an absence step (<see cref="IsAbsence"/>)
/// holding is bad: the event violates the NotNext/NotFollowedBy. Immutable.
/// </summary>
public sealed record ConditionCheck(string PartialMatch, string Step, string Condition, bool Passed, bool IsAbsence)
{
    public override string ToString() => IsAbsence
        ? $"{PartialMatch}: absence '{Step}' {(Passed ? "VIOLATED" : "holds")}: {Condition}"
        : $"{PartialMatch}: step '{Step}' {(Passed ? "passed" : "FAILED")}: {Condition}";
}
