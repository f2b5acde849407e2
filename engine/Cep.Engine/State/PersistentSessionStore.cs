using Cep.Engine.Serdes;
using Cep.Storage.State;

namespace Cep.Engine.State;

/// <summary>
/// <see cref="ISessionStore{TKey, TValue}"/> that checkpoints an <see cref="InMemorySessionStore{TKey, TValue}"/>:
/// the store works in memory, and this records which keys it changed (sessions added, grown,
/// merged, closed, keys forgotten), so a checkpoint writes only those keys: the key's open
/// sessions and last closed End, or a delete when the store holds nothing for it any more.
/// Column family layout: key = the key's bytes; value = last closed End, session count, then
/// each open session in start order (start, end, id, value). Restoring puts back the same
/// sessions with the same ids and last closed Ends, which is everything that decides what the
/// store closes at a watermark and in which order the operator emits it (by End, then id).
/// Owned by one task.
/// </summary>
internal sealed class PersistentSessionStore<TKey, TValue>(string storeName, ISerde<TKey> keySerde, ISerde<TValue> valueSerde)
    : PersistentKeyedStore<TKey>(storeName, keySerde), ISessionStore<TKey, TValue>
    where TKey : notnull
{
    private readonly InMemorySessionStore<TKey, TValue> _sessions = new();
    private readonly HashSet<TKey> _changed = [];
    private readonly List<TKey> _forgotten = [];

    public override string Signature => $"session store of {typeof(TKey).FullName} → {typeof(TValue).FullName}";

    public int SessionCount => _sessions.SessionCount;

    public void FindSessions(TKey key, long earliestEnd, long latestStart, List<Session<TValue>> into) =>
        _sessions.FindSessions(key, earliestEnd, latestStart, into);

    public long LastClosedEnd(TKey key) => _sessions.LastClosedEnd(key);

    public long Add(TKey key, long start, long end, TValue value)
    {
        _changed.Add(key);
        return _sessions.Add(key, start, end, value);
    }

    public void Update(TKey key, Session<TValue> session)
    {
        _changed.Add(key);
        _sessions.Update(key, session);
    }

    public void Remove(TKey key, long id)
    {
        _changed.Add(key);
        _sessions.Remove(key, id);
    }

    public void CloseSessions(long maxEnd, List<KeyValuePair<TKey, Session<TValue>>> closed)
    {
        int before = closed.Count;
        _sessions.CloseSessions(maxEnd, closed);
        for (int i = before; i < closed.Count; i++)
        {
            _changed.Add(closed[i].Key);
        }
    }

    public void ForgetClosed(long maxEnd)
    {
        _sessions.ForgetClosed(maxEnd, _forgotten);
        _changed.UnionWith(_forgotten);
        _forgotten.Clear();
    }

    public override void WriteCheckpoint(TaskStateDb state)
    {
        foreach (var key in _changed)
        {
            if (!_sessions.TryGetKey(key, out var open, out long lastClosedEnd))
            {
                Delete(state, key);
                continue;
            }
            var value = NewValue();
            value.Write(lastClosedEnd);
            value.Write(open.Count);
            foreach (var session in open)
            {
                value.Write(session.Start);
                value.Write(session.End);
                value.Write(session.Id);
                value.Write(session.Value, valueSerde);
            }
            Put(state, key);
        }
        _changed.Clear();
    }

    public override void Restore(TaskStateDb state)
    {
        foreach (var (key, reader) in Checkpointed(state))
        {
            long lastClosedEnd = reader.ReadInt64();
            var open = new Session<TValue>[reader.ReadInt32()];
            for (int i = 0; i < open.Length; i++)
            {
                open[i] = new Session<TValue>(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.Read(valueSerde));
            }
            _sessions.RestoreKey(key, open, lastClosedEnd);
        }
    }
}
