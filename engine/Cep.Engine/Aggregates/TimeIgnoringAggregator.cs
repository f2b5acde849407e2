namespace Cep.Engine.Aggregates;

/// <summary>
/// An <see cref="IAggregator{TIn, TAccumulator, TResult}"/> seen as an
/// <see cref="IEventTimeAggregator{TIn, TAccumulator, TResult}"/> that ignores the time. A
/// struct generic over the inner type, so calls through it inline. Immutable.
/// </summary>
internal readonly struct TimeIgnoringAggregator<TIn, TAccumulator, TResult, TInner>(TInner inner) : IEventTimeAggregator<TIn, TAccumulator, TResult>
    where TInner : IAggregator<TIn, TAccumulator, TResult>
{
    public TAccumulator Create() => inner.Create();

    public void Add(ref TAccumulator accumulator, TIn value, long timestamp) => inner.Add(ref accumulator, value);

    public TAccumulator Merge(TAccumulator left, TAccumulator right) => inner.Merge(left, right);

    public TResult Result(TAccumulator accumulator) => inner.Result(accumulator);
}
