namespace Cep.Engine.Patterns;

/// <summary>
/// A completed match not yet emitted: the skip strategy may still discard it. Holds one
/// reference on <see cref="Node"/>, its last binding. <see cref="Timestamp"/> is the event time
/// it is emitted at: its last event's, or for a trailing absence the window's last instant.
/// <see cref="StartTimestamp"/> is its first event's time.
/// </summary>
internal readonly record struct PendingMatch(int Node, long StartSequence, long Timestamp, long StartTimestamp);
