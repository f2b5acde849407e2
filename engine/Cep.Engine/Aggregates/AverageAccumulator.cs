namespace Cep.Engine.Aggregates;

/// <summary>The accumulator of an average: sum and count.</summary>
public readonly record struct AverageAccumulator(double Sum, long Count);
