namespace Cep.Engine.Patterns;

/// <summary>One event a partial match has bound, and the step it is bound to. Immutable.</summary>
public sealed record BoundEvent<T>(string Step, T Value, long Timestamp)
{
    public override string ToString() => $"{Step}={Value}@{Timestamp}";
}
