using System.Numerics;
using System.Reactive.Subjects;
using Cep.Engine.Aggregates;
using Cep.Engine.Operators;
using Cep.Engine.State;
using Cep.Engine.Windows;

namespace Cep.Engine;

/// <summary>
/// A keyed stream cut into time windows, waiting for an aggregate. Each aggregate returns a
/// stream of <see cref="WindowResult{TKey, TValue}"/>; events that arrive after their window
/// closed appear on <see cref="LateEvents"/> with the reason. Not thread-safe (one task).
/// </summary>
public sealed class WindowedStream<TKey, T>
    where TKey : notnull
{
    private readonly IObservable<StreamItem<T>> _source;
    private readonly Func<T, TKey> _keySelector;
    private readonly TimeWindows _windows;
    private readonly Subject<StreamItem<LateEvent<T>>> _late = new();

    internal WindowedStream(IObservable<StreamItem<T>> source, Func<T, TKey> keySelector, TimeWindows windows)
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

    private Stream<WindowResult<TKey, TResult>> Aggregate<TAccumulator, TResult, TAggregator>(TAggregator aggregator)
        where TAggregator : IAggregator<T, TAccumulator, TResult> =>
        new(new WindowAggregateOperator<TKey, T, TAccumulator, TResult, TAggregator>(
            _source, _keySelector, _windows, aggregator, static () => new InMemoryWindowStore<TKey, TAccumulator>(), _late));
}
