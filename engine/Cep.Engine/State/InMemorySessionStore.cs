namespace Cep.Engine.State;

/// <summary>
/// <see cref="ISessionStore{TKey, TValue}"/> in memory: per key a short list of open sessions
/// in start order (a key rarely has more than one or two open at a time, so lists beat trees),
/// and two heaps across keys. The first holds one entry per open session, with the End it had
/// when added: a session only grows, so an entry is never later than its session, and when it
/// comes due with a session that has grown since it is pushed again with the new End. That way
/// an event that extends a session costs no heap operation. Entries of sessions merged away are
/// skipped when they come out. The second heap holds keys whose sessions are all closed, by
/// their last closed End, so that memory for a key is released once nothing can reach back
/// into it. Owned by one task.
/// </summary>
public sealed class InMemorySessionStore<TKey, TValue> : ISessionStore<TKey, TValue>
    where TKey : notnull
{
    private readonly Dictionary<TKey, KeySessions> _keys;
    private readonly PriorityQueue<(TKey Key, long Id), (long End, long Id)> _byEnd = new();
    private readonly PriorityQueue<TKey, long> _closedKeys = new();
    private long _nextId;

    public InMemorySessionStore(IEqualityComparer<TKey>? comparer = null)
    {
        _keys = new Dictionary<TKey, KeySessions>(comparer);
    }

    public int SessionCount { get; private set; }

    public void FindSessions(TKey key, long earliestEnd, long latestStart, List<Session<TValue>> into)
    {
        if (!_keys.TryGetValue(key, out var sessions))
        {
            return;
        }
        foreach (var session in sessions.Open)
        {
            if (session.Start > latestStart)
            {
                break;
            }
            if (session.End >= earliestEnd)
            {
                into.Add(session);
            }
        }
    }

    public long LastClosedEnd(TKey key) => _keys.TryGetValue(key, out var sessions) ? sessions.LastClosedEnd : long.MinValue;

    public long Add(TKey key, long start, long end, TValue value)
    {
        if (!_keys.TryGetValue(key, out var sessions))
        {
            sessions = new KeySessions();
            _keys.Add(key, sessions);
        }
        long id = ++_nextId;
        Insert(sessions.Open, new Session<TValue>(start, end, id, value));
        _byEnd.Enqueue((key, id), (end, id));
        SessionCount++;
        return id;
    }

    public void Update(TKey key, Session<TValue> session)
    {
        var open = _keys[key].Open;
        int i = IndexOf(open, session.Id);
        if (open[i].Start == session.Start)
        {
            open[i] = session;
            return;
        }
        open.RemoveAt(i);
        Insert(open, session);
    }

    public void Remove(TKey key, long id)
    {
        var sessions = _keys[key];
        sessions.Open.RemoveAt(IndexOf(sessions.Open, id));
        SessionCount--;
        if (sessions.Open.Count == 0 && sessions.LastClosedEnd == long.MinValue)
        {
            _keys.Remove(key);
        }
    }

    public void CloseSessions(long maxEnd, List<KeyValuePair<TKey, Session<TValue>>> closed)
    {
        while (_byEnd.TryPeek(out var entry, out var due) && due.End <= maxEnd)
        {
            _byEnd.Dequeue();
            if (!_keys.TryGetValue(entry.Key, out var sessions))
            {
                continue;
            }
            int i = IndexOf(sessions.Open, entry.Id);
            if (i < 0)
            {
                continue; // merged into another session, which has its own entry
            }
            var session = sessions.Open[i];
            if (session.End > maxEnd)
            {
                _byEnd.Enqueue(entry, (session.End, session.Id)); // grew since it was queued
                continue;
            }
            sessions.Open.RemoveAt(i);
            SessionCount--;
            closed.Add(new(entry.Key, session));
            sessions.LastClosedEnd = Math.Max(sessions.LastClosedEnd, session.End);
            if (sessions.Open.Count == 0)
            {
                _closedKeys.Enqueue(entry.Key, sessions.LastClosedEnd);
            }
        }
    }

    public void ForgetClosed(long maxEnd) => ForgetClosed(maxEnd, forgotten: null);

    /// <summary><see cref="ForgetClosed(long)"/>, appending the keys forgotten to <paramref name="forgotten"/>.</summary>
    internal void ForgetClosed(long maxEnd, List<TKey>? forgotten)
    {
        while (_closedKeys.TryPeek(out var key, out long end) && end <= maxEnd)
        {
            _closedKeys.Dequeue();
            // Skip stale entries: the key has opened sessions again (a later entry follows when they close).
            if (_keys.TryGetValue(key, out var sessions) && sessions.Open.Count == 0 && sessions.LastClosedEnd == end)
            {
                _keys.Remove(key);
                forgotten?.Add(key);
            }
        }
    }

    /// <summary>What the store holds for <paramref name="key"/> (its open sessions in start order, its last closed End); false when nothing.</summary>
    internal bool TryGetKey(TKey key, out IReadOnlyList<Session<TValue>> open, out long lastClosedEnd)
    {
        if (_keys.TryGetValue(key, out var sessions))
        {
            (open, lastClosedEnd) = (sessions.Open, sessions.LastClosedEnd);
            return true;
        }
        (open, lastClosedEnd) = ([], long.MinValue);
        return false;
    }

    /// <summary>
    /// Puts back what <see cref="TryGetKey"/> returned for a key (restoring a checkpoint), with
    /// the sessions' ids: new sessions get greater ids than every restored one, as they would
    /// have, and only the order of ids matters (it breaks ties between equal Ends).
    /// </summary>
    internal void RestoreKey(TKey key, IEnumerable<Session<TValue>> open, long lastClosedEnd)
    {
        var sessions = new KeySessions { LastClosedEnd = lastClosedEnd };
        _keys.Add(key, sessions);
        foreach (var session in open)
        {
            sessions.Open.Add(session);
            _byEnd.Enqueue((key, session.Id), (session.End, session.Id));
            _nextId = Math.Max(_nextId, session.Id);
            SessionCount++;
        }
        if (sessions.Open.Count == 0)
        {
            _closedKeys.Enqueue(key, lastClosedEnd);
        }
    }

    private static void Insert(List<Session<TValue>> open, Session<TValue> session)
    {
        int i = open.Count;
        while (i > 0 && open[i - 1].Start > session.Start)
        {
            i--;
        }
        open.Insert(i, session);
    }

    private static int IndexOf(List<Session<TValue>> open, long id)
    {
        for (int i = 0; i < open.Count; i++)
        {
            if (open[i].Id == id)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>One key's sessions.</summary>
    private sealed class KeySessions
    {
        /// <summary>Open sessions, disjoint, in start order.</summary>
        public List<Session<TValue>> Open { get; } = [];

        public long LastClosedEnd { get; set; } = long.MinValue;
    }
}
