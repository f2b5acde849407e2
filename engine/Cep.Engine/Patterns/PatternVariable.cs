namespace Cep.Engine.Patterns;

/// <summary>
/// One variable of a MATCH_RECOGNIZE pattern as written, its quantifier already in the fluent
/// API's terms: <see cref="Min"/> ≥ 1 rows (a zero minimum is <see cref="Optional"/>),
/// <see cref="Max"/> ≥ <see cref="Min"/> (int.MaxValue for no bound). Columns are 1-based.
/// </summary>
internal sealed record PatternVariable(string Name, int Column, int Min, int Max, bool Optional, bool Reluctant);
