namespace Cep.Engine.Aggregates;

/// <summary>The accumulator of First and Last: whether a value was seen, the value chosen so far and its event time.</summary>
public readonly record struct TimedValue<TValue>(bool HasValue, TValue Value, long Timestamp);
