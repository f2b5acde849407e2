namespace Cep.Engine.Patterns;

/// <summary>A user condition of step <see cref="StepName"/> threw; the operator turns this into its usual failure for the event.</summary>
internal sealed class PatternConditionException(string stepName, Exception inner)
    : Exception($"condition of pattern step '{stepName}' threw: {inner.Message}", inner)
{
    public string StepName { get; } = stepName;
}
