namespace Cep.Engine.Aggregates;

/// <summary>
/// The exact number of distinct values of a field, kept in a hash set per window and key (so
/// memory grows with the number of distinct values; there is no sketch). Merge adds the
/// smaller set into the larger and returns that one, so its inputs must not be used after.
/// Immutable; the sets it creates belong to the calling operator.
/// </summary>
public readonly struct DistinctCountAggregator<T, TValue>(Func<T, TValue> selector, IEqualityComparer<TValue>? comparer) : IAggregator<T, HashSet<TValue>, long>
{
    public HashSet<TValue> Create() => new(comparer);

    public void Add(ref HashSet<TValue> accumulator, T value) => accumulator.Add(selector(value));

    public HashSet<TValue> Merge(HashSet<TValue> left, HashSet<TValue> right)
    {
        var (into, from) = left.Count >= right.Count ? (left, right) : (right, left);
        into.UnionWith(from);
        return into;
    }

    public long Result(HashSet<TValue> accumulator) => accumulator.Count;
}
