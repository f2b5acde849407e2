namespace Cep.Engine.Aggregates;

/// <summary>
/// An aggregate function: an accumulator made by <see cref="Create"/>, updated in place by
/// <see cref="Add"/>, combined by <see cref="Merge"/> (so it works where windows merge, as
/// session windows do), read out by <see cref="Result"/>. Implement it as a struct where you
/// can: operators are generic over the aggregator type, so a struct's calls are inlined.
/// </summary>
public interface IAggregator<in TIn, TAccumulator, out TResult>
{
    TAccumulator Create();

    void Add(ref TAccumulator accumulator, TIn value);

    TAccumulator Merge(TAccumulator left, TAccumulator right);

    TResult Result(TAccumulator accumulator);
}
