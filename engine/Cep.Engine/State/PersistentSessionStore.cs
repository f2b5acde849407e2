using System.Buffers;
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
    : ISessionStore<TKey, TValue>, ICheckpointed
    where TKey : notnull
{
    private readonly InMemorySessionStore<TKey, TValue> _sessions = new();
    private readonly HashSet<TKey> _changed = [];
    private readonly List<TKey> _forgotten = [];
    private readonly ArrayBufferWriter<byte> _key = new();
    private readonly StateWriter _value = new();

    public string StoreName => storeName;

    public string Signature => $"session store of {typeof(TKey).FullName} → {typeof(TValue).FullName}";

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

    public void WriteCheckpoint(TaskStateDb state)
    {
        foreach (var key in _changed)
        {
            _key.ResetWrittenCount();
            keySerde.Serialize(key, _key);
            if (!_sessions.TryGetKey(key, out var open, out long lastClosedEnd))
            {
                state.Delete(storeName, _key.WrittenSpan);
                continue;
            }
            _value.Reset();
            _value.Write(lastClosedEnd);
            _value.Write(open.Count);
            foreach (var session in open)
            {
                _value.Write(session.Start);
                _value.Write(session.End);
                _value.Write(session.Id);
                _value.Write(session.Value, valueSerde);
            }
            state.Put(storeName, _key.WrittenSpan, _value.WrittenSpan);
        }
        _changed.Clear();
    }

    public void Restore(TaskStateDb state)
    {
        foreach (var (key, value) in state.Scan(storeName))
        {
            var reader = new StateReader(value);
            long lastClosedEnd = reader.ReadInt64();
            var open = new Session<TValue>[reader.ReadInt32()];
            for (int i = 0; i < open.Length; i++)
            {
                open[i] = new Session<TValue>(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64(), reader.Read(valueSerde));
            }
            _sessions.RestoreKey(keySerde.Deserialize(key), open, lastClosedEnd);
        }
    }
}
