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
        state.Put(storeName, WaitingKey, WriteWaiting());
        state.Put(storeName, TimersKey, WriteTimers());
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
            ReadTimers(timerBytes);
        }
        if (state.Get(storeName, WaitingKey) is { } waitingBytes)
        {
            ReadWaiting(waitingBytes);
        }
    }

    private void StateKey(TKey key)
    {
        _key.ResetWrittenCount();
        _key.Write([StatePrefix]);
        _keySerde.Serialize(key, _key);
    }

    private byte[] WriteWaiting()
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        var all = waiting.InOrder();
        writer.Write(all.Count);
        foreach (var (time, (key, item)) in all)
        {
            WriteBytes(writer, key, _keySerde);
            writer.Write(time);
            writer.Write(item.Timestamp);
            writer.Write(item.Origin.Topic ?? "");
            writer.Write(item.Origin.IsKnown);
            writer.Write(item.Origin.Partition);
            writer.Write(item.Origin.Offset);
            WriteBytes(writer, item.Value, _eventSerde);
        }
        writer.Flush();
        return stream.ToArray();
    }

    private void ReadWaiting(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            var key = ReadBytes(reader, _keySerde);
            long time = reader.ReadInt64();
            long timestamp = reader.ReadInt64();
            string topic = reader.ReadString();
            bool known = reader.ReadBoolean();
            var origin = new EventOrigin(known ? topic : null, reader.ReadInt32(), reader.ReadInt64());
            var value = ReadBytes(reader, _eventSerde);
            waiting.Enqueue(time, (key, StreamItem<T>.Event(value, timestamp, origin)));
        }
    }

    private byte[] WriteTimers()
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        // Stale entries (their key was forgotten since) would be skipped when due: leave them out.
        var live = timers.InOrder().Where(t => t.Element.State.Generation == t.Element.Generation).ToList();
        writer.Write(live.Count);
        foreach (var (deadline, timer) in live)
        {
            WriteBytes(writer, timer.Key, _keySerde);
            writer.Write(deadline);
        }
        writer.Flush();
        return stream.ToArray();
    }

    private void ReadTimers(byte[] bytes)
    {
        using var reader = new BinaryReader(new MemoryStream(bytes));
        int count = reader.ReadInt32();
        for (int i = 0; i < count; i++)
        {
            var key = ReadBytes(reader, _keySerde);
            long deadline = reader.ReadInt64();
            if (states.TryGet(key, out var nfaState))
            {
                timers.Enqueue(deadline, (key, nfaState, nfaState.Generation));
                nfaState.ScheduledDeadline = Math.Max(nfaState.ScheduledDeadline, deadline);
            }
        }
    }

    private void WriteBytes<TValue>(BinaryWriter writer, TValue value, ISerde<TValue> serde)
    {
        _value.ResetWrittenCount();
        serde.Serialize(value, _value);
        writer.Write(_value.WrittenCount);
        writer.Write(_value.WrittenSpan);
    }

    private static TValue ReadBytes<TValue>(BinaryReader reader, ISerde<TValue> serde) =>
        serde.Deserialize(reader.ReadBytes(reader.ReadInt32()));
}
