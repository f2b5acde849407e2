namespace Cep.Engine.Patterns;

/// <summary>
/// A partial match the operator dropped to keep its state bounded, with what it had bound, by
/// step name, and why (<see cref="Reason"/>). <see cref="Timestamp"/> is the time of the event
/// whose arrival made room for it (also the side output's event time). Immutable.
/// </summary>
public sealed record PrunedMatch<TKey, T>(TKey Key, IReadOnlyDictionary<string, IReadOnlyList<T>> Events, long Timestamp, string Reason);
