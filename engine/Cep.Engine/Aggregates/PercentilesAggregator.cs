namespace Cep.Engine.Aggregates;

/// <summary>
/// Several exact percentiles of a field at once, in the order asked, by the nearest-rank method
/// (see <see cref="NearestRank"/>); as <see cref="PercentileAggregator{T, TValue}"/> but with one
/// sort for all of them. An empty accumulator gives an empty list. Immutable.
/// </summary>
public readonly struct PercentilesAggregator<T, TValue> : IAggregator<T, List<TValue>, IReadOnlyList<TValue>>
    where TValue : IComparable<TValue>
{
    private readonly Func<T, TValue> _selector;
    private readonly double[] _percentiles;

    public PercentilesAggregator(Func<T, TValue> selector, params double[] percentiles)
    {
        ArgumentNullException.ThrowIfNull(selector);
        ArgumentNullException.ThrowIfNull(percentiles);
        ArgumentOutOfRangeException.ThrowIfZero(percentiles.Length);
        foreach (double p in percentiles)
        {
            NearestRank.Validate(p);
        }
        _selector = selector;
        _percentiles = [.. percentiles];
    }

    public List<TValue> Create() => [];

    public void Add(ref List<TValue> accumulator, T value) => accumulator.Add(_selector(value));

    /// <summary>Appends the shorter list to the longer and returns that one; its inputs must not be used after.</summary>
    public List<TValue> Merge(List<TValue> left, List<TValue> right) => ValueLists.Merge(left, right);

    public IReadOnlyList<TValue> Result(List<TValue> accumulator)
    {
        if (accumulator.Count == 0)
        {
            return [];
        }
        accumulator.Sort();
        var result = new TValue[_percentiles.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = NearestRank.Select(accumulator, _percentiles[i]);
        }
        return result;
    }
}
