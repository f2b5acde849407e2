using System.Numerics;
using System.Reactive.Subjects;
using Cep.Engine.Aggregates;
using Cep.Engine.Windows;

namespace Cep.Engine;

/// <summary>
/// A keyed stream cut into windows (time, session, sliding or count), waiting for an
/// aggregate. Each aggregate returns a stream of <see cref="WindowResult{TKey, TValue}"/>;
/// events that arrive after their window closed appear on <see cref="LateEvents"/> with the
/// reason (count windows have no late events). Not thread-safe (one task).
/// </summary>
public sealed class WindowedStream<TKey, T>
    where TKey : notnull
{
    private readonly IObservable<StreamItem<T>> _source;
    private readonly Func<T, TKey> _keySelector;
    private readonly IWindowDefinition _windows;
    private readonly Subject<StreamItem<LateEvent<T>>> _late = new();

    internal WindowedStream(IObservable<StreamItem<T>> source, Func<T, TKey> keySelector, IWindowDefinition windows)
    {
        _source = source;
        _keySelector = keySelector;
        _windows = windows;
    }

    /// <summary>Events that came after their window closed (past its end plus grace), with the reason; never silently dropped.</summary>
    public Stream<LateEvent<T>> LateEvents => new(_late);

    /// <summary>Aggregates with any aggregator (user-defined ones included).</summary>
    public Stream<WindowResult<TKey, TResult>> Aggregate<TAccumulator, TResult>(IAggregator<T, TAccumulator, TResult> aggregator)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        return Aggregate<TAccumulator, TResult, IAggregator<T, TAccumulator, TResult>>(aggregator);
    }

    /// <summary>Aggregates with an aggregator that also sees each event's time.</summary>
    public Stream<WindowResult<TKey, TResult>> Aggregate<TAccumulator, TResult>(IEventTimeAggregator<T, TAccumulator, TResult> aggregator)
    {
        ArgumentNullException.ThrowIfNull(aggregator);
        return AggregateTimed<TAccumulator, TResult, IEventTimeAggregator<T, TAccumulator, TResult>>(aggregator);
    }

    public Stream<WindowResult<TKey, long>> Count() => Aggregate<long, long, CountAggregator<T>>(default);

    public Stream<WindowResult<TKey, TNumber>> Sum<TNumber>(Func<T, TNumber> selector)
        where TNumber : INumber<TNumber> =>
        Aggregate<TNumber, TNumber, SumAggregator<T, TNumber>>(new(selector));

    public Stream<WindowResult<TKey, TValue>> Min<TValue>(Func<T, TValue> selector)
        where TValue : IComparable<TValue> =>
        Aggregate<Extreme<TValue>, TValue, MinMaxAggregator<T, TValue>>(new(selector, max: false));

    public Stream<WindowResult<TKey, TValue>> Max<TValue>(Func<T, TValue> selector)
        where TValue : IComparable<TValue> =>
        Aggregate<Extreme<TValue>, TValue, MinMaxAggregator<T, TValue>>(new(selector, max: true));

    public Stream<WindowResult<TKey, double>> Average(Func<T, double> selector) =>
        Aggregate<AverageAccumulator, double, AverageAggregator<T>>(new(selector));

    /// <summary>The value of a field in the earliest event by event time (ties: the first to arrive).</summary>
    public Stream<WindowResult<TKey, TValue>> First<TValue>(Func<T, TValue> selector) =>
        AggregateTimed<TimedValue<TValue>, TValue, FirstLastAggregator<T, TValue>>(new(Checked(selector), last: false));

    /// <summary>The value of a field in the latest event by event time (ties: the last to arrive).</summary>
    public Stream<WindowResult<TKey, TValue>> Last<TValue>(Func<T, TValue> selector) =>
        AggregateTimed<TimedValue<TValue>, TValue, FirstLastAggregator<T, TValue>>(new(Checked(selector), last: true));

    /// <summary>The exact number of distinct values of a field (a hash set per window and key).</summary>
    public Stream<WindowResult<TKey, long>> DistinctCount<TValue>(Func<T, TValue> selector, IEqualityComparer<TValue>? comparer = null) =>
        Aggregate<HashSet<TValue>, long, DistinctCountAggregator<T, TValue>>(new(Checked(selector), comparer));

    /// <summary>The <paramref name="k"/> largest values of a field, largest first.</summary>
    public Stream<WindowResult<TKey, IReadOnlyList<TValue>>> TopK<TValue>(Func<T, TValue> selector, int k)
        where TValue : IComparable<TValue> =>
        Aggregate<PriorityQueue<TValue, TValue>, IReadOnlyList<TValue>, TopKAggregator<T, TValue>>(new(selector, k));

    /// <summary>The exact nearest-rank percentile (0–100) of a field: always one of its values.</summary>
    public Stream<WindowResult<TKey, TValue>> Percentile<TValue>(Func<T, TValue> selector, double percentile)
        where TValue : IComparable<TValue> =>
        Aggregate<List<TValue>, TValue, PercentileAggregator<T, TValue>>(new(selector, percentile));

    /// <summary>Several exact nearest-rank percentiles of a field, in the order given.</summary>
    public Stream<WindowResult<TKey, IReadOnlyList<TValue>>> Percentiles<TValue>(Func<T, TValue> selector, params double[] percentiles)
        where TValue : IComparable<TValue> =>
        Aggregate<List<TValue>, IReadOnlyList<TValue>, PercentilesAggregator<T, TValue>>(new(selector, percentiles));

    private static Func<T, TValue> Checked<TValue>(Func<T, TValue> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return selector;
    }

    private Stream<WindowResult<TKey, TResult>> Aggregate<TAccumulator, TResult, TAggregator>(TAggregator aggregator)
        where TAggregator : IAggregator<T, TAccumulator, TResult> =>
        AggregateTimed<TAccumulator, TResult, TimeIgnoringAggregator<T, TAccumulator, TResult, TAggregator>>(new(aggregator));

    private Stream<WindowResult<TKey, TResult>> AggregateTimed<TAccumulator, TResult, TAggregator>(TAggregator aggregator)
        where TAggregator : IEventTimeAggregator<T, TAccumulator, TResult> =>
        new(_windows.Aggregate<TKey, T, TAccumulator, TResult, TAggregator>(_source, _keySelector, aggregator, _late));
}
