using System.Collections.Immutable;
using Cep.Engine.Runtime;
using Microsoft.Extensions.Logging;

namespace Cep.Engine.Patterns;

/// <summary>
/// How a pattern operator runs, besides the pattern: its name (the metrics tag and the title
/// of explain reports), the per-key cap on partial matches (int.MaxValue: none), and which
/// keys keep an explain trace (<see cref="ExplainAll"/> or <see cref="ExplainKeys"/>; none by
/// default) of how many recent events each, and where it logs. Immutable.
/// </summary>
internal sealed record PatternOptions<TKey>(
    string Name,
    int MaxPartialMatchesPerKey = int.MaxValue,
    bool ExplainAll = false,
    ImmutableHashSet<TKey>? ExplainKeys = null,
    int TraceCapacity = PatternOptions<TKey>.DefaultTraceCapacity,
    ILogger? Logger = null)
    where TKey : notnull
{
    public const int DefaultTraceCapacity = 32;

    /// <summary>The options of a pattern named <paramref name="name"/> built now: it logs where the running query logs (nowhere outside one).</summary>
    public static PatternOptions<TKey> Default(string name) => new(name, Logger: QueryContext.CurrentLoggerFactory.CreateLogger("Cep.Patterns"));

    public bool Traces(TKey key) => ExplainAll || (ExplainKeys?.Contains(key) ?? false);
}
