namespace Cep.Engine.Aggregates;

/// <summary>The arithmetic mean of a field (NaN for no events).</summary>
public readonly struct AverageAggregator<T>(Func<T, double> selector) : IAggregator<T, AverageAccumulator, double>
{
    public AverageAccumulator Create() => default;

    public void Add(ref AverageAccumulator accumulator, T value) =>
        accumulator = new AverageAccumulator(accumulator.Sum + selector(value), accumulator.Count + 1);

    public AverageAccumulator Merge(AverageAccumulator left, AverageAccumulator right) =>
        new(left.Sum + right.Sum, left.Count + right.Count);

    public double Result(AverageAccumulator accumulator) =>
        accumulator.Count == 0 ? double.NaN : accumulator.Sum / accumulator.Count;
}
