namespace Cep.Engine.State;

/// <summary>
/// The state of a session-window operator: per key, its open sessions (disjoint, each spanning
/// [Start, End] in event time), plus the end of the key's last closed session, which decides
/// whether a late event would reach back into it. Sessions close in End order, so the store
/// keeps them findable by end across keys. The in-memory store is the default; a RocksDB store
/// replaces it behind this interface. Owned by one task.
/// </summary>
public interface ISessionStore<TKey, TValue>
    where TKey : notnull
{
    /// <summary>The number of open sessions over all keys.</summary>
    int SessionCount { get; }

    /// <summary>Appends to <paramref name="into"/> the open sessions of <paramref name="key"/> with End ≥ <paramref name="earliestEnd"/> and Start ≤ <paramref name="latestStart"/>, in start order.</summary>
    void FindSessions(TKey key, long earliestEnd, long latestStart, List<Session<TValue>> into);

    /// <summary>The End of the latest session of <paramref name="key"/> that was closed, or long.MinValue when none is remembered.</summary>
    long LastClosedEnd(TKey key);

    /// <summary>Adds an open session; returns the id it gets.</summary>
    long Add(TKey key, long start, long end, TValue value);

    /// <summary>Replaces the open session with <paramref name="session"/>'s id (new bounds, new value). The caller keeps the key's sessions disjoint.</summary>
    void Update(TKey key, Session<TValue> session);

    /// <summary>Removes an open session (one merged into another).</summary>
    void Remove(TKey key, long id);

    /// <summary>
    /// Removes every open session with End ≤ <paramref name="maxEnd"/>, appending it to
    /// <paramref name="closed"/> (in no particular order), and remembers each key's last closed End.
    /// </summary>
    void CloseSessions(long maxEnd, List<KeyValuePair<TKey, Session<TValue>>> closed);

    /// <summary>Forgets the last closed End of keys that have no open session, where that End ≤ <paramref name="maxEnd"/> (no event can reach back into it any more).</summary>
    void ForgetClosed(long maxEnd);
}
