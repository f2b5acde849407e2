using System.Buffers.Binary;
using System.Text;

namespace Cep.Broker.Protocol;

/// <summary>
/// Reads Kafka's wire types from one request, big-endian, in both encodings: classic (int16/int32
/// lengths) and flexible (compact: unsigned varint of length + 1, 0 for null). Record sets are
/// returned as slices of the request's memory, not copied. Anything short or malformed throws
/// <see cref="KafkaProtocolException"/>. A mutable struct passed by reference; owned by one request.
/// </summary>
public struct KafkaReader(ReadOnlyMemory<byte> buffer)
{
    private readonly ReadOnlyMemory<byte> _buffer = buffer;
    private int _position;

    public readonly int Position => _position;

    public readonly int Remaining => _buffer.Length - _position;

    public bool ReadBool() => Take(1)[0] != 0;

    public sbyte ReadInt8() => (sbyte)Take(1)[0];

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public ushort ReadUInt16() => BinaryPrimitives.ReadUInt16BigEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public double ReadFloat64() => BinaryPrimitives.ReadDoubleBigEndian(Take(8));

    public Guid ReadUuid() => new(Take(16), bigEndian: true);

    public uint ReadUVarint()
    {
        uint value = 0;
        for (int shift = 0; shift < 35; shift += 7)
        {
            byte b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new KafkaProtocolException($"an unsigned varint longer than 5 bytes at {_position}");
    }

    public string ReadString(bool flexible) =>
        ReadNullableString(flexible) ?? throw new KafkaProtocolException($"a null string where the protocol allows none, at {_position}");

    public string? ReadNullableString(bool flexible)
    {
        int length = flexible ? (int)ReadUVarint() - 1 : ReadInt16();
        return length < 0 ? null : Encoding.UTF8.GetString(Take(length));
    }

    public byte[] ReadBytes(bool flexible) =>
        ReadNullableBytes(flexible) ?? throw new KafkaProtocolException($"null bytes where the protocol allows none, at {_position}");

    public byte[]? ReadNullableBytes(bool flexible) => ReadNullableMemory(flexible)?.ToArray();

    /// <summary>A record set (batches), as a slice of the request: no copy.</summary>
    public ReadOnlyMemory<byte>? ReadRecords(bool flexible) => ReadNullableMemory(flexible);

    /// <summary>An array's element count; -1 for a null array.</summary>
    public int ReadArrayLength(bool flexible)
    {
        int length = flexible ? (int)ReadUVarint() - 1 : ReadInt32();
        if (length < -1)
        {
            throw new KafkaProtocolException($"array length {length} at {_position}");
        }
        // Each element takes at least one byte: a larger count is a lie, refused before allocating.
        if (length > Remaining)
        {
            throw new KafkaProtocolException($"array of {length} elements with {Remaining} bytes left, at {_position}");
        }
        return length;
    }

    /// <summary>Skips <paramref name="count"/> bytes (an unknown tagged field).</summary>
    public void Skip(int count) => Take(count);

    private ReadOnlyMemory<byte>? ReadNullableMemory(bool flexible)
    {
        int length = flexible ? (int)ReadUVarint() - 1 : ReadInt32();
        if (length < 0)
        {
            return null;
        }
        EnsureAvailable(length);
        var slice = _buffer.Slice(_position, length);
        _position += length;
        return slice;
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        EnsureAvailable(count);
        var span = _buffer.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    private readonly void EnsureAvailable(int count)
    {
        if (count < 0 || count > _buffer.Length - _position)
        {
            throw new KafkaProtocolException($"the request ends at {_buffer.Length} bytes; {count} more needed at {_position}");
        }
    }
}
