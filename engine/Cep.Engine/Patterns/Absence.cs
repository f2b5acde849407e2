namespace Cep.Engine.Patterns;

/// <summary>A compiled NotNext or NotFollowedBy step: a condition events at its place must fail. Immutable.</summary>
internal sealed class Absence<T>(string name, bool strict, Func<T, PatternContext<T>, bool> condition, string description)
{
    public string Name { get; } = name;

    /// <summary>NotNext (only the first event after the previous step) rather than NotFollowedBy (every event up to the next step).</summary>
    public bool Strict { get; } = strict;

    public Func<T, PatternContext<T>, bool> Condition { get; } = condition;

    /// <summary>The condition as written, for explain reports.</summary>
    public string Description { get; } = description;
}
