using Cep.Engine.Aggregates;

namespace Cep.Benchmarks.Nexmark;

/// <summary>The value with the largest score (ties keep the first seen); null for no values.</summary>
internal readonly struct ArgMaxAggregator<T>(Func<T, long> score) : IAggregator<T, T?, T?>
    where T : class
{
    public T? Create() => null;

    public void Add(ref T? accumulator, T value)
    {
        if (accumulator is null || score(value) > score(accumulator))
        {
            accumulator = value;
        }
    }

    public T? Merge(T? left, T? right) => left is null || (right is not null && score(right) > score(left)) ? right : left;

    public T? Result(T? accumulator) => accumulator;
}
