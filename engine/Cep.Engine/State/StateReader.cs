using System.Buffers.Binary;
using System.Text;
using Cep.Engine.Serdes;

namespace Cep.Engine.State;

/// <summary>
/// Reads back what a <see cref="StateWriter"/> wrote, in the same order; a read past the end
/// throws (the checkpoint's CRC was verified, so that is a bug, not damage). Used on restore
/// only. Owned by one task.
/// </summary>
internal sealed class StateReader(byte[] bytes)
{
    private int _position;

    public bool AtEnd => _position == bytes.Length;

    public long ReadInt64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public int ReadInt32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public bool ReadBoolean() => Take(1)[0] != 0;

    public string? ReadString()
    {
        int length = ReadInt32();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    public T Read<T>(ISerde<T> serde) => serde.Deserialize(Take(ReadInt32()));

    /// <summary>An event written by <see cref="StateWriter.WriteEvent{T}(in StreamItem{T}, ISerde{T})"/>.</summary>
    public StreamItem<T> ReadEvent<T>(ISerde<T> serde)
    {
        long timestamp = ReadInt64();
        var origin = new EventOrigin(ReadString(), ReadInt32(), ReadInt64());
        return StreamItem<T>.Event(Read(serde), timestamp, origin);
    }

    /// <summary>Events written by <see cref="StateWriter.WriteEvents"/>.</summary>
    public List<StreamItem<T>> ReadEvents<T>(ISerde<T> serde)
    {
        int count = ReadInt32();
        var items = new List<StreamItem<T>>(count);
        for (int i = 0; i < count; i++)
        {
            items.Add(ReadEvent(serde));
        }
        return items;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        var span = bytes.AsSpan(_position, count);
        _position += count;
        return span;
    }
}
