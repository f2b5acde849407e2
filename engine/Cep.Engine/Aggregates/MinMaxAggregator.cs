namespace Cep.Engine.Aggregates;

/// <summary>The smallest (or, with <c>max</c>, largest) value of a field; ties keep the first seen.</summary>
public readonly struct MinMaxAggregator<T, TValue>(Func<T, TValue> selector, bool max) : IAggregator<T, Extreme<TValue>, TValue>
    where TValue : IComparable<TValue>
{
    public Extreme<TValue> Create() => default;

    public void Add(ref Extreme<TValue> accumulator, T value)
    {
        var candidate = selector(value);
        if (!accumulator.HasValue || Better(candidate, accumulator.Value))
        {
            accumulator = new Extreme<TValue>(true, candidate);
        }
    }

    public Extreme<TValue> Merge(Extreme<TValue> left, Extreme<TValue> right) =>
        !right.HasValue ? left : !left.HasValue || Better(right.Value, left.Value) ? right : left;

    public TValue Result(Extreme<TValue> accumulator) => accumulator.Value;

    private bool Better(TValue candidate, TValue current)
    {
        int order = candidate.CompareTo(current);
        return max ? order > 0 : order < 0;
    }
}
