namespace Cep.Engine.Patterns;

/// <summary>
/// Which events may come between two events of a match (Flink CEP's consuming strategies).
/// Between steps it is chosen by <c>Next</c>/<c>FollowedBy</c>/<c>FollowedByAny</c>; inside a
/// loop by <c>Consecutive</c>/<c>AllowCombinations</c> (relaxed by default).
/// </summary>
internal enum Contiguity : byte
{
    /// <summary>No event in between ("next", "consecutive").</summary>
    Strict,

    /// <summary>In between only events the taking step's condition rejects: the first matching event is taken ("followedBy").</summary>
    Relaxed,

    /// <summary>Anything in between, matching events too: every later matching event is a branch ("followedByAny", "allowCombinations").</summary>
    NonDeterministic,
}
