namespace Cep.Engine.Aggregates;

/// <summary>Sums a numeric field (any <see cref="System.Numerics.INumber{TSelf}"/>: long, double, decimal…).</summary>
public readonly struct SumAggregator<T, TNumber>(Func<T, TNumber> selector) : IAggregator<T, TNumber, TNumber>
    where TNumber : System.Numerics.INumber<TNumber>
{
    public TNumber Create() => TNumber.Zero;

    public void Add(ref TNumber accumulator, T value) => accumulator += selector(value);

    public TNumber Merge(TNumber left, TNumber right) => left + right;

    public TNumber Result(TNumber accumulator) => accumulator;
}
