namespace Cep.Engine.Aggregates;

/// <summary>
/// The value of a field in the earliest (or, with <c>last</c>, the latest) event by event time.
/// Event time rather than arrival, so the result does not depend on disorder within the
/// watermark bound, and Merge is order-free (sessions merge in time order). Ties on the
/// timestamp go by arrival: First keeps the first to arrive, Last the last; in a merge, the
/// left side counts as arrived first. Immutable.
/// </summary>
public readonly struct FirstLastAggregator<T, TValue>(Func<T, TValue> selector, bool last) : IEventTimeAggregator<T, TimedValue<TValue>, TValue>
{
    public TimedValue<TValue> Create() => default;

    public void Add(ref TimedValue<TValue> accumulator, T value, long timestamp)
    {
        if (!accumulator.HasValue || (last ? timestamp >= accumulator.Timestamp : timestamp < accumulator.Timestamp))
        {
            accumulator = new TimedValue<TValue>(true, selector(value), timestamp);
        }
    }

    public TimedValue<TValue> Merge(TimedValue<TValue> left, TimedValue<TValue> right)
    {
        if (!right.HasValue)
        {
            return left;
        }
        if (!left.HasValue)
        {
            return right;
        }
        return (last ? right.Timestamp >= left.Timestamp : right.Timestamp < left.Timestamp) ? right : left;
    }

    /// <summary>The chosen value; default when no event was added (a window never has none).</summary>
    public TValue Result(TimedValue<TValue> accumulator) => accumulator.Value;
}
