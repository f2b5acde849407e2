namespace Cep.Engine.Joins;

/// <summary>
/// The first step of a Flink-style interval join, <c>left.IntervalJoin(right)</c>: give the
/// interval with <see cref="Between"/>. Immutable.
/// </summary>
public sealed class IntervalJoin<TKey, TLeft, TRight>
    where TKey : notnull
{
    private readonly KeyedStream<TKey, TLeft> _left;
    private readonly KeyedStream<TKey, TRight> _right;

    internal IntervalJoin(KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right)
    {
        _left = left;
        _right = right;
    }

    /// <summary>
    /// A left event at t joins the right events of its key at t' with
    /// t + <paramref name="lowerBound"/> ≤ t' ≤ t + <paramref name="upperBound"/> (both bounds
    /// inclusive unless made exclusive). Bounds may be negative; lower ≤ upper.
    /// </summary>
    public IntervalJoined<TKey, TLeft, TRight> Between(TimeSpan lowerBound, TimeSpan upperBound)
    {
        long lowerMs = (long)lowerBound.TotalMilliseconds, upperMs = (long)upperBound.TotalMilliseconds;
        if (lowerMs > upperMs)
        {
            throw new ArgumentException($"an interval join needs lower bound ≤ upper bound; got {lowerMs} ms > {upperMs} ms");
        }
        return new IntervalJoined<TKey, TLeft, TRight>(_left, _right, lowerMs, upperMs, lowerExclusive: false, upperExclusive: false);
    }
}
