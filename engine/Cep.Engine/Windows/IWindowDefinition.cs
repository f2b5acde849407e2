using Cep.Engine.Aggregates;

namespace Cep.Engine.Windows;

/// <summary>
/// A kind of window (time, session, sliding, count) as <see cref="WindowedStream{TKey, T}"/>
/// sees it: something that builds the aggregating operator for its windows. Double dispatch,
/// so the windowed stream has one set of aggregate methods for every kind. Implementations are
/// immutable.
/// </summary>
internal interface IWindowDefinition
{
    IObservable<StreamItem<WindowResult<TKey, TOut>>> Aggregate<TKey, TIn, TAcc, TOut, TAgg>(
        IObservable<StreamItem<TIn>> source,
        Func<TIn, TKey> keySelector,
        TAgg aggregator,
        IObserver<StreamItem<LateEvent<TIn>>> lateOutput)
        where TKey : notnull
        where TAgg : IEventTimeAggregator<TIn, TAcc, TOut>;
}
