namespace Cep.Engine.Patterns;

/// <summary>A match (or timed-out partial match) ready to emit: its events by step name, its event time, and its last event (for error reports). Immutable.</summary>
internal readonly record struct MatchResult<T>(IReadOnlyDictionary<string, IReadOnlyList<T>> Events, long Timestamp, StreamItem<T> LastEvent);
