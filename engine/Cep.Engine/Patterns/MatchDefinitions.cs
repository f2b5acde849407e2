using System.Collections;
using System.Runtime.CompilerServices;

namespace Cep.Engine.Patterns;

/// <summary>
/// The DEFINE clause of a <see cref="MatchRecognize"/> pattern: a condition per variable name,
/// written as a collection initializer:
/// <code>
/// new MatchDefinitions&lt;Tick&gt;
/// {
///     { "A", t =&gt; t.Price &gt; 10 },
///     { "UP", (t, match) =&gt; t.Price &gt; match.Events("DOWN")[^1].Price },
/// }
/// </code>
/// An iterative condition sees the rows bound so far (<see cref="PatternContext{T}.Events"/>,
/// not yet including the row being tested), so SQL's <c>LAST(DOWN.price)</c> inside DOWN's
/// own condition is <c>match.Events("DOWN")[^1]</c>. A variable without a condition accepts
/// every row, as in SQL. Each condition's source text names it in explain reports. Not
/// thread-safe while being filled; read-only afterwards.
/// </summary>
public sealed class MatchDefinitions<T> : IEnumerable<string>
{
    private readonly Dictionary<string, (Func<T, PatternContext<T>, bool> Condition, string Description)> _conditions = new(StringComparer.Ordinal);

    /// <summary>Defines variable <paramref name="variable"/> (case-sensitive) by a condition on the row.</summary>
    public void Add(string variable, Func<T, bool> condition, [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        Add(variable, (e, _) => condition(e), description);
    }

    /// <summary>Defines variable <paramref name="variable"/> by an iterative condition: on the row and the rows the match has bound so far.</summary>
    public void Add(string variable, Func<T, PatternContext<T>, bool> condition, [CallerArgumentExpression(nameof(condition))] string? description = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(variable);
        ArgumentNullException.ThrowIfNull(condition);
        if (!_conditions.TryAdd(variable, (condition, description ?? "condition")))
        {
            throw new ArgumentException($"DEFINE already has a condition for '{variable}'", nameof(variable));
        }
    }

    /// <summary>The variables defined.</summary>
    public IEnumerator<string> GetEnumerator() => _conditions.Keys.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal bool TryGet(string variable, out Func<T, PatternContext<T>, bool> condition, out string description)
    {
        bool found = _conditions.TryGetValue(variable, out var entry);
        (condition, description) = entry;
        return found;
    }
}
