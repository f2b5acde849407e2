namespace Cep.Engine.Aggregates;

/// <summary>
/// An exact percentile of a field by the nearest-rank method (see <see cref="NearestRank"/>):
/// every value is kept (memory grows with the window), and the list is sorted in place when a
/// result is read, which leaves the multiset unchanged and makes the next sort cheap. The result
/// of an empty accumulator is default (a window never has none). Immutable.
/// </summary>
public readonly struct PercentileAggregator<T, TValue> : IAggregator<T, List<TValue>, TValue>
    where TValue : IComparable<TValue>
{
    private readonly Func<T, TValue> _selector;
    private readonly double _percentile;

    public PercentileAggregator(Func<T, TValue> selector, double percentile)
    {
        ArgumentNullException.ThrowIfNull(selector);
        NearestRank.Validate(percentile);
        _selector = selector;
        _percentile = percentile;
    }

    public List<TValue> Create() => [];

    public void Add(ref List<TValue> accumulator, T value) => accumulator.Add(_selector(value));

    /// <summary>Appends the shorter list to the longer and returns that one; its inputs must not be used after.</summary>
    public List<TValue> Merge(List<TValue> left, List<TValue> right) => ValueLists.Merge(left, right);

    public TValue Result(List<TValue> accumulator)
    {
        if (accumulator.Count == 0)
        {
            return default!;
        }
        accumulator.Sort();
        return NearestRank.Select(accumulator, _percentile);
    }
}
