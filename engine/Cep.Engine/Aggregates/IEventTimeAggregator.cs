namespace Cep.Engine.Aggregates;

/// <summary>
/// An aggregate function that also sees each event's time: what First and Last need to pick
/// by event time rather than by arrival. Otherwise as <see cref="IAggregator{TIn, TAccumulator, TResult}"/>,
/// which the window operators adapt to this interface at no cost (a struct wrapper the JIT
/// inlines), so that plain aggregators keep their simpler signature. Merge must not depend on
/// which side arrived first: sessions merge in time order, not arrival order.
/// </summary>
public interface IEventTimeAggregator<in TIn, TAccumulator, out TResult>
{
    TAccumulator Create();

    /// <summary>Adds an event with its event time (milliseconds since the Unix epoch).</summary>
    void Add(ref TAccumulator accumulator, TIn value, long timestamp);

    TAccumulator Merge(TAccumulator left, TAccumulator right);

    TResult Result(TAccumulator accumulator);
}
