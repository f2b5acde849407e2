namespace Cep.Engine.Aggregates;

/// <summary>Counts events.</summary>
public readonly struct CountAggregator<T> : IAggregator<T, long, long>
{
    public long Create() => 0;

    public void Add(ref long accumulator, T value) => accumulator++;

    public long Merge(long left, long right) => left + right;

    public long Result(long accumulator) => accumulator;
}
