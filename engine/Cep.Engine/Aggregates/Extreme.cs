namespace Cep.Engine.Aggregates;

/// <summary>The accumulator of min and max: whether a value was seen, and the extreme so far.</summary>
public readonly record struct Extreme<TValue>(bool HasValue, TValue Value);
