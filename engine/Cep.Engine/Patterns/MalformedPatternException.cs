namespace Cep.Engine.Patterns;

/// <summary>
/// A pattern that cannot be compiled (a name used twice, a skip to a step that does not exist,
/// a quantifier where none applies, an absence at the end without <c>Within</c>…). Thrown
/// when the pattern or the query is built, never while events flow; the message names the
/// step at fault. For a pattern written as text (<see cref="MatchRecognize"/>) it also names
/// the column, and the message shows the text with a caret under it:
/// <code>
/// PATTERN (A B+ C{2,1}) col 16: pattern step 'C': {2,1} needs min ≤ max
///                ^
/// </code>
/// </summary>
public sealed class MalformedPatternException : Exception
{
    public MalformedPatternException(string? stepName, string message)
        : base(Describe(stepName, message))
    {
        StepName = stepName;
        Reason = message;
    }

    internal MalformedPatternException(string? stepName, string message, string text, int column, Exception? inner = null)
        : base($"{Flatten(text)} col {column}: {Describe(stepName, message)}\n{new string(' ', column - 1)}^", inner)
    {
        StepName = stepName;
        Reason = message;
        Column = column;
    }

    /// <summary>The step at fault, or null when the fault is in the pattern as a whole.</summary>
    public string? StepName { get; }

    /// <summary>For a pattern written as text: the 1-based column of the fault in that text (a line break counts as one column); null otherwise.</summary>
    public int? Column { get; }

    /// <summary>The message without the step or the position, so a fault found in a pattern built from text can be re-thrown with its column.</summary>
    internal string Reason { get; }

    private static string Describe(string? stepName, string message) => stepName is null ? message : $"pattern step '{stepName}': {message}";

    /// <summary>Line breaks and tabs as spaces: the text is shown on one line with the caret under the column, so every character must take one column.</summary>
    private static string Flatten(string text) => string.Create(text.Length, text, static (span, t) =>
    {
        for (int i = 0; i < t.Length; i++)
        {
            span[i] = char.IsWhiteSpace(t[i]) ? ' ' : t[i];
        }
    });
}
