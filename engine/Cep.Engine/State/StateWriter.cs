using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Cep.Engine.Serdes;

namespace Cep.Engine.State;

/// <summary>
/// Writes operator state to bytes for a checkpoint: fixed-size little-endian numbers, strings
/// and values of a serde with a length prefix, and events (value, time, origin; never headers:
/// no operator whose state holds events emits their headers). Read back with
/// <see cref="StateReader"/> in the same order. Reused between entries (<see cref="Reset"/>),
/// so writing a checkpoint allocates only when the buffer grows. Owned by one task.
/// </summary>
internal sealed class StateWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new();

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public void Reset() => _buffer.ResetWrittenCount();

    public void Write(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void Write(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Write(bool value)
    {
        _buffer.GetSpan(1)[0] = value ? (byte)1 : (byte)0;
        _buffer.Advance(1);
    }

    /// <summary>Length (−1 for null) and UTF-8 bytes.</summary>
    public void Write(string? value)
    {
        if (value is null)
        {
            Write(-1);
            return;
        }
        Write(Encoding.UTF8.GetByteCount(value));
        _buffer.Write(Encoding.UTF8.GetBytes(value));
    }

    /// <summary>The serde's bytes of <paramref name="value"/> after their length, which is filled in once they are written.</summary>
    public void Write<T>(T value, ISerde<T> serde)
    {
        int at = _buffer.WrittenCount;
        Write(0);
        serde.Serialize(value, _buffer);
        // The written bytes are the buffer's own array, so the length can be patched in place.
        var written = MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span;
        BinaryPrimitives.WriteInt32LittleEndian(written[at..], _buffer.WrittenCount - at - 4);
    }

    /// <summary>An event of operator state: time, origin (topic/partition/offset) and value.</summary>
    public void WriteEvent<T>(in StreamItem<T> item, ISerde<T> serde) => WriteEvent(item.Timestamp, item.Value, item.Origin, serde);

    /// <summary>Events of operator state: their count, then each as <see cref="WriteEvent{T}(in StreamItem{T}, ISerde{T})"/>.</summary>
    public void WriteEvents<T>(List<StreamItem<T>> items, ISerde<T> serde)
    {
        Write(items.Count);
        foreach (var item in CollectionsMarshal.AsSpan(items))
        {
            WriteEvent(item, serde);
        }
    }

    /// <summary>An event of operator state, given by its parts.</summary>
    public void WriteEvent<T>(long timestamp, T value, EventOrigin origin, ISerde<T> serde)
    {
        Write(timestamp);
        Write(origin.Topic);
        Write(origin.Partition);
        Write(origin.Offset);
        Write(value, serde);
    }
}
