using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Cep.Engine.Serdes;
using Cep.Storage.Records;

namespace Cep.Engine.Patterns;

/// <summary>
/// The binary form of one key's matching state, for state stores and checkpoints: what the
/// key's partial matches hold, with their bindings and events renumbered from 0 so the state
/// does not depend on where it lived in the operator's shared buffer. Layout (version 1,
/// varints zigzag as in Kafka records):
/// <code>
/// byte     version (1)
/// int64 LE shape fingerprint of the pattern (steps, quantifiers, contiguity, window, skip)
/// varlong  next sequence number
/// varint   event count, then per event: varlong timestamp, varlong sequence,
///          varint topic length (−1: none) + UTF-8 topic, varint partition, varlong offset,
///          varint value length + the value in the event serde's bytes
/// varint   binding count, then per binding (each after its predecessor): varint event,
///          varint step, varint predecessor (−1: first)
/// varint   partial match count, then per partial match (in start order): varint step,
///          varint count, varint waiting, varint binding, varlong start time, varlong start sequence
/// varint   held match count, then per match held back by a skip strategy: varint binding,
///          varlong start sequence, varlong time, varlong start time
/// </code>
/// Restoring checks the version and the fingerprint: state written by another pattern shape is
/// refused with an error rather than matched against the wrong steps. (Conditions are code:
/// a changed condition with the same shape is not detected.) Thread-safe when the buffers
/// passed in are not shared across threads.
/// </summary>
internal sealed class NfaStateSerializer<T>(Nfa<T> nfa, ISerde<T> eventSerde)
{
    public const byte Version = 1;

    private readonly long _fingerprint = Fingerprint(nfa.Shape);

    /// <summary>Writes the state of one key (between two events: only its partial and held matches hold references).</summary>
    public void Serialize(NfaState<T> state, IBufferWriter<byte> output)
    {
        var buffer = state.Buffer;
        var nodes = new List<int>();
        var nodeIds = new Dictionary<int, int>();
        var chain = new Stack<int>();
        var held = state.HeldMatches ?? [];
        foreach (int last in state.Partials.ToArray().Select(s => s.Node).Concat(held.Select(m => m.Node)))
        {
            // Walk back to a binding already numbered, then number the chain oldest first, so
            // every binding comes after its predecessor.
            for (int n = last; n >= 0 && !nodeIds.ContainsKey(n); n = buffer.Previous(n))
            {
                chain.Push(n);
            }
            while (chain.TryPop(out int n))
            {
                nodeIds.Add(n, nodes.Count);
                nodes.Add(n);
            }
        }
        var events = new List<int>();
        var eventIds = new Dictionary<long, int>(); // by sequence: one event per sequence number of the key
        foreach (int n in nodes)
        {
            if (eventIds.TryAdd(buffer.Sequence(n), events.Count))
            {
                events.Add(n);
            }
        }

        WriteByte(output, Version);
        BinaryPrimitives.WriteInt64LittleEndian(output.GetSpan(8), _fingerprint);
        output.Advance(8);
        WriteLong(output, state.NextSequence);
        WriteLong(output, events.Count);
        var value = new ArrayBufferWriter<byte>();
        foreach (int n in events)
        {
            WriteLong(output, buffer.Timestamp(n));
            WriteLong(output, buffer.Sequence(n));
            var origin = buffer.Origin(n);
            WriteString(output, origin.Topic);
            WriteLong(output, origin.Partition);
            WriteLong(output, origin.Offset);
            value.Clear();
            eventSerde.Serialize(buffer.Value(n), value);
            WriteLong(output, value.WrittenCount);
            output.Write(value.WrittenSpan);
        }
        WriteLong(output, nodes.Count);
        foreach (int n in nodes)
        {
            int previous = buffer.Previous(n);
            WriteLong(output, eventIds[buffer.Sequence(n)]);
            WriteLong(output, buffer.Step(n));
            WriteLong(output, previous < 0 ? -1 : nodeIds[previous]);
        }
        WriteLong(output, state.PartialCount);
        foreach (var s in state.Partials)
        {
            WriteLong(output, s.Step);
            WriteLong(output, s.Count);
            WriteLong(output, s.Waiting);
            WriteLong(output, nodeIds[s.Node]);
            WriteLong(output, s.StartTimestamp);
            WriteLong(output, s.StartSequence);
        }
        WriteLong(output, held.Count);
        foreach (var m in held)
        {
            WriteLong(output, nodeIds[m.Node]);
            WriteLong(output, m.StartSequence);
            WriteLong(output, m.Timestamp);
            WriteLong(output, m.StartTimestamp);
        }
    }

    /// <summary>
    /// Restores a key's state into <paramref name="buffer"/> (the operator's). Throws
    /// <see cref="InvalidDataException"/> naming the problem for another version, another
    /// pattern shape, or damaged bytes; the buffer is left as it was then.
    /// </summary>
    public NfaState<T> Deserialize(ReadOnlySpan<byte> bytes, SharedBuffer<T> buffer)
    {
        if (bytes.Length < 9)
        {
            throw new InvalidDataException($"pattern state of {bytes.Length} bytes is truncated (a header is 9)");
        }
        if (bytes[0] != Version)
        {
            throw new InvalidDataException($"pattern state version {bytes[0]} is not supported (this engine reads version {Version})");
        }
        long fingerprint = BinaryPrimitives.ReadInt64LittleEndian(bytes[1..]);
        if (fingerprint != _fingerprint)
        {
            throw new InvalidDataException($"pattern state was written by another pattern shape (fingerprint {fingerprint:x16}, this pattern '{nfa.Shape}' has {_fingerprint:x16}): restart the query from a position instead of from its state");
        }
        var created = new List<int>();
        var state = new NfaState<T>(buffer);
        try
        {
            Read(bytes, 9, buffer, state, created);
        }
        catch (Exception e) when (e is CorruptRecordException or ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidDataException)
        {
            foreach (int node in created)
            {
                buffer.Release(node);
            }
            throw e as InvalidDataException ?? new InvalidDataException($"pattern state is damaged: {e.Message}", e);
        }
        return state;
    }

    private void Read(ReadOnlySpan<byte> bytes, int position, SharedBuffer<T> buffer, NfaState<T> state, List<int> created)
    {
        state.NextSequence = Varint.ReadLong(bytes, ref position);
        int eventCount = Count(bytes, ref position);
        var events = new (T Value, long Timestamp, long Sequence, EventOrigin Origin)[eventCount];
        for (int i = 0; i < eventCount; i++)
        {
            long timestamp = Varint.ReadLong(bytes, ref position);
            long sequence = Varint.ReadLong(bytes, ref position);
            string? topic = ReadString(bytes, ref position);
            int partition = (int)Varint.ReadLong(bytes, ref position);
            long offset = Varint.ReadLong(bytes, ref position);
            int length = Count(bytes, ref position);
            var value = eventSerde.Deserialize(bytes.Slice(position, length));
            position += length;
            events[i] = (value, timestamp, sequence, new EventOrigin(topic, partition, offset));
        }
        // Events are added as their first binding is: an event no binding takes is not kept.
        var eventSlots = new int[eventCount];
        Array.Fill(eventSlots, -1);
        int nodeCount = Count(bytes, ref position);
        var nodes = new int[nodeCount];
        for (int i = 0; i < nodeCount; i++)
        {
            int e = Index(Varint.ReadLong(bytes, ref position), eventCount, "event");
            int step = Index(Varint.ReadLong(bytes, ref position), nfa.Steps.Length, "step");
            long previous = Varint.ReadLong(bytes, ref position);
            int previousSlot = previous < 0 ? -1 : nodes[Index(previous, i, "predecessor")];
            if (eventSlots[e] < 0)
            {
                var (value, timestamp, sequence, origin) = events[e];
                eventSlots[e] = buffer.AddEvent(StreamItem<T>.Event(value, timestamp, origin), sequence);
            }
            nodes[i] = buffer.AddNode(eventSlots[e], step, previousSlot);
            created.Add(nodes[i]); // the construction reference, dropped below
        }
        int partialCount = Count(bytes, ref position);
        var partials = new List<ComputationState>(partialCount);
        for (int i = 0; i < partialCount; i++)
        {
            int step = Index(Varint.ReadLong(bytes, ref position), nfa.Steps.Length, "step");
            int count = (int)Varint.ReadLong(bytes, ref position);
            int waiting = (int)Varint.ReadLong(bytes, ref position);
            int node = nodes[Index(Varint.ReadLong(bytes, ref position), nodeCount, "binding")];
            long startTimestamp = Varint.ReadLong(bytes, ref position);
            long startSequence = Varint.ReadLong(bytes, ref position);
            partials.Add(new ComputationState(step, count, waiting, node, startTimestamp, startSequence));
        }
        int heldCount = Count(bytes, ref position);
        var held = new List<PendingMatch>(heldCount);
        for (int i = 0; i < heldCount; i++)
        {
            int node = nodes[Index(Varint.ReadLong(bytes, ref position), nodeCount, "binding")];
            long startSequence = Varint.ReadLong(bytes, ref position);
            long timestamp = Varint.ReadLong(bytes, ref position);
            long startTimestamp = Varint.ReadLong(bytes, ref position);
            held.Add(new PendingMatch(node, startSequence, timestamp, startTimestamp));
        }
        if (position != bytes.Length)
        {
            throw new InvalidDataException($"pattern state has {bytes.Length - position} bytes after its end");
        }
        foreach (var s in partials)
        {
            buffer.Retain(s.Node);
        }
        foreach (var m in held)
        {
            buffer.Retain(m.Node);
        }
        foreach (int node in created)
        {
            buffer.Release(node); // every binding is reached by a partial or held match, so none is freed
        }
        created.Clear();
        state.ReplacePartials(partials);
        state.HeldMatches = held.Count > 0 ? held : null;
    }

    /// <summary>FNV-1a over the pattern's shape: stable across processes and runtimes (unlike string.GetHashCode).</summary>
    private static long Fingerprint(string shape) => (long)Fnv1a.Hash(shape);

    private static int Count(ReadOnlySpan<byte> bytes, ref int position)
    {
        long count = Varint.ReadLong(bytes, ref position);
        return count < 0 || count > bytes.Length - position
            ? throw new InvalidDataException($"pattern state is damaged: a count of {count} at byte {position} exceeds what remains")
            : (int)count;
    }

    private static int Index(long value, int limit, string what) => value < 0 || value >= limit
        ? throw new InvalidDataException($"pattern state is damaged: {what} {value} is out of range (0..{limit - 1})")
        : (int)value;

    private static void WriteByte(IBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }

    private static void WriteLong(IBufferWriter<byte> output, long value)
    {
        int written = Varint.WriteLong(output.GetSpan(10), 0, value);
        output.Advance(written);
    }

    private static void WriteString(IBufferWriter<byte> output, string? value)
    {
        if (value is null)
        {
            WriteLong(output, -1);
            return;
        }
        WriteLong(output, Encoding.UTF8.GetByteCount(value));
        int written = Encoding.UTF8.GetBytes(value, output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length)));
        output.Advance(written);
    }

    private static string? ReadString(ReadOnlySpan<byte> bytes, ref int position)
    {
        long length = Varint.ReadLong(bytes, ref position);
        if (length < 0)
        {
            return null;
        }
        int count = (int)length;
        if (count > bytes.Length - position)
        {
            throw new InvalidDataException($"pattern state is damaged: a string of {count} bytes at byte {position} exceeds what remains");
        }
        string value = Encoding.UTF8.GetString(bytes.Slice(position, count));
        position += count;
        return value;
    }
}
