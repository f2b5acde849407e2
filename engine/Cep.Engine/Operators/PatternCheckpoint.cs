using System.Buffers;
using Cep.Engine.Patterns;
using Cep.Engine.Serdes;
using Cep.Engine.State;
using Cep.Storage.State;

namespace Cep.Engine.Operators;

/// <summary>
/// Checkpoints a pattern operator: each key's matching state (partial and held matches with
/// their events, <see cref="NfaStateSerializer{T}"/>), written only for keys that changed since
/// the last checkpoint (deleted for keys forgotten), plus the events waiting for the watermark
/// and the pending deadline timers, each in its exact dequeue order, so a restored operator
/// matches, times out and emits in the same order as one that never stopped. Column family
/// layout: <c>0x00</c> → waiting events, <c>0x01</c> → timers, <c>0x02</c> + key bytes → the
/// key's state. Waiting events keep value, time and origin (not headers: pattern results do
/// not carry their events' headers). Owned by one task.
/// </summary>
internal sealed class PatternCheckpoint<TKey, T>(
    string storeName,
    Nfa<T> nfa,
    IKeyValueStore<TKey, NfaState<T>> states,
    SharedBuffer<T> buffer,
    TimeOrderedQueue<(TKey Key, StreamItem<T> Item)> waiting,
    TimeOrderedQueue<(TKey Key, NfaState<T> State, int Generation)> timers) : ICheckpointed
    where TKey : notnull
{
    private static readonly byte[] WaitingKey = [0x00];
    private static readonly byte[] TimersKey = [0x01];
    private const byte StatePrefix = 0x02;

    private readonly ISerde<TKey> _keySerde = StateSerde.For<TKey>();
    private readonly ISerde<T> _eventSerde = StateSerde.For<T>();
    private readonly NfaStateSerializer<T> _serializer = new(nfa, StateSerde.For<T>());
    private readonly HashSet<TKey> _changed = [];
    private readonly ArrayBufferWriter<byte> _key = new();
    private readonly ArrayBufferWriter<byte> _value = new();
    private readonly StateWriter _queue = new();

    public string StoreName => storeName;

    public string Signature => $"pattern of {typeof(TKey).FullName} → {typeof(T).FullName}";

    /// <summary>The key's state changed (or was forgotten) since the last checkpoint.</summary>
    public void Changed(TKey key) => _changed.Add(key);

    public void WriteCheckpoint(TaskStateDb state)
    {
        foreach (var key in _changed)
        {
            StateKey(key);
            if (states.TryGet(key, out var nfaState))
            {
                _value.ResetWrittenCount();
                _serializer.Serialize(nfaState, _value);
                state.Put(storeName, _key.WrittenSpan, _value.WrittenSpan);
            }
            else
            {
                state.Delete(storeName, _key.WrittenSpan);
            }
        }
        _changed.Clear();
        WriteWaiting();
        state.Put(storeName, WaitingKey, _queue.WrittenSpan);
        WriteTimers();
        state.Put(storeName, TimersKey, _queue.WrittenSpan);
    }

    public void Restore(TaskStateDb state)
    {
        foreach (var (key, value) in state.Scan(storeName))
        {
            if (key[0] == StatePrefix)
            {
                states.Set(_keySerde.Deserialize(key.AsSpan(1)), _serializer.Deserialize(value, buffer));
            }
        }
        if (state.Get(storeName, TimersKey) is { } timerBytes)
        {
            ReadTimers(new StateReader(timerBytes));
        }
        if (state.Get(storeName, WaitingKey) is { } waitingBytes)
        {
            ReadWaiting(new StateReader(waitingBytes));
        }
    }

    private void StateKey(TKey key)
    {
        _key.ResetWrittenCount();
        _key.Write([StatePrefix]);
        _keySerde.Serialize(key, _key);
    }

    private void WriteWaiting()
    {
        var all = waiting.InOrder();
        _queue.Reset();
        _queue.Write(all.Count);
        foreach (var (time, (key, item)) in all)
        {
            _queue.Write(key, _keySerde);
            _queue.Write(time);
            _queue.WriteEvent(item, _eventSerde);
        }
    }

    private void ReadWaiting(StateReader reader)
    {
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            var key = reader.Read(_keySerde);
            long time = reader.ReadInt64();
            waiting.Enqueue(time, (key, reader.ReadEvent(_eventSerde)));
        }
    }

    private void WriteTimers()
    {
        // Stale entries (their key was forgotten since) would be skipped when due: leave them out.
        var live = timers.InOrder().Where(t => t.Element.State.Generation == t.Element.Generation).ToList();
        _queue.Reset();
        _queue.Write(live.Count);
        foreach (var (deadline, timer) in live)
        {
            _queue.Write(timer.Key, _keySerde);
            _queue.Write(deadline);
        }
    }

    private void ReadTimers(StateReader reader)
    {
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            var key = reader.Read(_keySerde);
            long deadline = reader.ReadInt64();
            if (states.TryGet(key, out var nfaState))
            {
                timers.Enqueue(deadline, (key, nfaState, nfaState.Generation));
                nfaState.ScheduledDeadline = Math.Max(nfaState.ScheduledDeadline, deadline);
            }
        }
    }
}
