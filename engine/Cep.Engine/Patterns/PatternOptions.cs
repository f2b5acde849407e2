using System.Collections.Immutable;

namespace Cep.Engine.Patterns;

/// <summary>
/// How a pattern operator runs, besides the pattern: its name (the metrics tag and the title
/// of explain reports), the per-key cap on partial matches (int.MaxValue: none), and which
/// keys keep an explain trace (<see cref="ExplainAll"/> or <see cref="ExplainKeys"/>; none by
/// default) of how many recent events each. Immutable.
/// </summary>
internal sealed record PatternOptions<TKey>(
    string Name,
    int MaxPartialMatchesPerKey = int.MaxValue,
    bool ExplainAll = false,
    ImmutableHashSet<TKey>? ExplainKeys = null,
    int TraceCapacity = PatternOptions<TKey>.DefaultTraceCapacity)
    where TKey : notnull
{
    public const int DefaultTraceCapacity = 32;

    public bool Traces(TKey key) => ExplainAll || (ExplainKeys?.Contains(key) ?? false);
}
