namespace Cep.Engine.Patterns;

/// <summary>
/// One key's matching state (Flink's NFAState): its partial matches, the buffer their events
/// live in (shared with the operator's other keys), and the sequence number of its next event
/// (events of a key are numbered in the order they are matched, so "the next event" is
/// sequence + 1 and skip bounds compare numbers). The automaton itself is shared; this is all that is per key. Owned by one task.
/// </summary>
internal sealed class NfaState<T>(SharedBuffer<T> buffer)
{
    /// <summary>
    /// The partial matches, in start order (non-decreasing StartSequence): Process keeps each
    /// one's successors in the old order and appends new starts, and removals keep the order.
    /// The per-key cap relies on it to find the oldest.
    /// </summary>
    public List<ComputationState> Partials { get; set; } = [];

    public SharedBuffer<T> Buffer { get; } = buffer;

    public long NextSequence { get; set; }

    /// <summary>The latest deadline queued for this key in the operator's timer queue; long.MinValue when none.</summary>
    public long ScheduledDeadline { get; set; } = long.MinValue;

    /// <summary>Bumped each time the operator hands this (emptied) state to another key, so timers queued for the previous key are recognised as stale.</summary>
    public int Generation { get; set; }

    /// <summary>
    /// Nothing held: the key can be forgotten. Between calls a key's buffer nodes are exactly
    /// those its partial matches reach, so no partial matches means nothing in the buffer.
    /// </summary>
    public bool IsEmpty => Partials.Count == 0;
}
