namespace Cep.Engine.Patterns;

/// <summary>
/// A MATCH_RECOGNIZE pattern text after parsing: its variables in order (at least one, names
/// distinct), the window, and the skip strategy (whose variable, if any, is one of them).
/// <see cref="VariablesColumn"/> is the column of the variable list's '(' for faults of the
/// list as a whole.
/// </summary>
internal sealed record ParsedPattern(string Text, IReadOnlyList<PatternVariable> Variables, int VariablesColumn, TimeSpan? Window, AfterMatchSkipStrategy Skip);
