namespace Cep.Engine.Patterns;

/// <summary>
/// One key's matching state (Flink's NFAState): its partial matches, the buffer their events
/// live in (shared with the operator's other keys), and the sequence number of its next event
/// (events of a key are numbered in the order they are matched, so "the next event" is
/// sequence + 1 and skip bounds compare numbers). The automaton itself is shared; this is all that is per key. Owned by one task.
/// </summary>
internal sealed class NfaState<T>(SharedBuffer<T> buffer)
{
    // In this object's own array rather than a List: one object less to miss in the cache on
    // every event of the key.
    private const int MinShrinkLength = 8;

    private ComputationState[] _partials = [];

    /// <summary>
    /// The partial matches, in start order (non-decreasing StartSequence): Process keeps each
    /// one's successors in the old order and appends new starts, and removals keep the order.
    /// The per-key cap relies on it to find the oldest. Writable in place (removals compact it
    /// and then call <see cref="TruncatePartials"/>); valid until the partials are replaced.
    /// </summary>
    public Span<ComputationState> Partials => _partials.AsSpan(0, PartialCount);

    public int PartialCount { get; private set; }

    /// <summary>Room for partial matches allocated (what an emptied state still holds).</summary>
    public int PartialCapacity => _partials.Length;

    public SharedBuffer<T> Buffer { get; } = buffer;

    public long NextSequence { get; set; }

    /// <summary>The latest deadline queued for this key in the operator's timer queue; long.MinValue when none.</summary>
    public long ScheduledDeadline { get; set; } = long.MinValue;

    /// <summary>Bumped each time the operator hands this (emptied) state to another key, so timers queued for the previous key are recognised as stale.</summary>
    public int Generation { get; set; }

    /// <summary>
    /// Completed matches held back under a skip strategy until the partial matches that started
    /// before them are gone (see <see cref="Nfa{T}.Emit"/>), in start order; each holds one
    /// reference on its last binding. Null until the first is held.
    /// </summary>
    public List<PendingMatch>? HeldMatches { get; set; }

    /// <summary>
    /// Nothing held: the key can be forgotten. Between calls a key's buffer nodes are exactly
    /// those its partial matches and held matches reach, so none of either means nothing in
    /// the buffer.
    /// </summary>
    public bool IsEmpty => PartialCount == 0 && HeldMatches is not { Count: > 0 };

    /// <summary>
    /// Replaces the partial matches by <paramref name="next"/>'s (copied: the list is the
    /// caller's scratch space). The array grows by doubling and halves once it is a quarter
    /// full, so a key that once held many partial matches does not keep that room for ever:
    /// state follows what is held, not the peak.
    /// </summary>
    public void ReplacePartials(List<ComputationState> next)
    {
        int count = next.Count;
        if (count > _partials.Length)
        {
            _partials = new ComputationState[Math.Max(count, 2 * _partials.Length)];
        }
        else if (_partials.Length > MinShrinkLength && count <= _partials.Length / 4)
        {
            _partials = new ComputationState[_partials.Length / 2];
        }
        next.CopyTo(_partials);
        PartialCount = count;
    }

    /// <summary>Keeps the first <paramref name="count"/> partial matches.</summary>
    public void TruncatePartials(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, PartialCount);
        PartialCount = count;
    }

    /// <summary>Drops the <paramref name="count"/> oldest partial matches.</summary>
    public void RemoveOldest(int count)
    {
        Partials[count..].CopyTo(_partials);
        TruncatePartials(PartialCount - count);
    }
}
