namespace Cep.Engine.Patterns;

/// <summary>
/// A partial match whose <c>Within</c> window ended before it completed: what it had bound, by
/// step name, and the window's last instant (also the side output's event time). Immutable.
/// </summary>
public sealed record TimedOutMatch<TKey, T>(TKey Key, IReadOnlyDictionary<string, IReadOnlyList<T>> Events, long Deadline);
