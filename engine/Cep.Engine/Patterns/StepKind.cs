namespace Cep.Engine.Patterns;

/// <summary>Whether a pattern step binds events or forbids them.</summary>
internal enum StepKind : byte
{
    /// <summary>Binds one or more events (with a quantifier).</summary>
    Positive,

    /// <summary>The event right after the previous step's last event must not match ("notNext").</summary>
    NotNext,

    /// <summary>No event between the previous step's last event and the next step's first may match ("notFollowedBy").</summary>
    NotFollowedBy,
}
