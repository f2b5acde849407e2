namespace Cep.Engine.Patterns;

/// <summary>
/// A pattern that cannot be compiled (a name used twice, a skip to a step that does not exist,
/// a quantifier where none applies, an absence at the end without <c>Within</c>…). Thrown
/// when the pattern or the query is built, never while events flow; the message names the
/// step at fault.
/// </summary>
public sealed class MalformedPatternException : Exception
{
    public MalformedPatternException(string? stepName, string message)
        : base(stepName is null ? message : $"pattern step '{stepName}': {message}")
    {
        StepName = stepName;
    }

    /// <summary>The step at fault, or null when the fault is in the pattern as a whole.</summary>
    public string? StepName { get; }
}
