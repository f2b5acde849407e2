using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Cep.Broker.Protocol;

/// <summary>
/// Writes Kafka's wire types, big-endian, classic or flexible (see <see cref="KafkaReader"/>),
/// into a growing buffer. Owned by one response.
/// </summary>
public sealed class KafkaWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public KafkaWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    public int Length => _buffer.WrittenCount;

    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;

    public void WriteBool(bool value) => WriteInt8(value ? (sbyte)1 : (sbyte)0);

    public void WriteInt8(sbyte value)
    {
        _buffer.GetSpan(1)[0] = (byte)value;
        _buffer.Advance(1);
    }

    public void WriteInt16(short value)
    {
        BinaryPrimitives.WriteInt16BigEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
    }

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer.GetSpan(2), value);
        _buffer.Advance(2);
    }

    public void WriteInt32(int value)
    {
        BinaryPrimitives.WriteInt32BigEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void WriteInt64(long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteFloat64(double value)
    {
        BinaryPrimitives.WriteDoubleBigEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void WriteUuid(Guid value)
    {
        value.TryWriteBytes(_buffer.GetSpan(16), bigEndian: true, out _);
        _buffer.Advance(16);
    }

    public void WriteUVarint(uint value)
    {
        while (value >= 0x80)
        {
            WriteInt8((sbyte)(byte)(value | 0x80));
            value >>= 7;
        }
        WriteInt8((sbyte)(byte)value);
    }

    public void WriteString(string value, bool flexible) => WriteNullableString(value, flexible);

    public void WriteNullableString(string? value, bool flexible)
    {
        if (value is null)
        {
            WriteLength(-1, flexible, classicShort: true);
            return;
        }
        int length = Encoding.UTF8.GetByteCount(value);
        WriteLength(length, flexible, classicShort: true);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(length);
    }

    public void WriteBytes(byte[] value, bool flexible) => WriteNullableBytes(value, flexible);

    public void WriteNullableBytes(ReadOnlySpan<byte> value, bool isNull, bool flexible)
    {
        if (isNull)
        {
            WriteLength(-1, flexible, classicShort: false);
            return;
        }
        WriteLength(value.Length, flexible, classicShort: false);
        WriteRaw(value);
    }

    public void WriteNullableBytes(byte[]? value, bool flexible) => WriteNullableBytes(value, value is null, flexible);

    public void WriteRecords(ReadOnlyMemory<byte>? records, bool flexible) =>
        WriteNullableBytes(records is { } r ? r.Span : default, records is null, flexible);

    public void WriteArrayLength(int count, bool flexible) => WriteLength(count, flexible, classicShort: false);

    public void WriteRaw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.GetSpan(bytes.Length));
        _buffer.Advance(bytes.Length);
    }

    /// <summary>Overwrites 4 bytes at <paramref name="at"/> (a size written before its content was known).</summary>
    public void PatchInt32(int at, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span.Slice(at, 4), value);

    private void WriteLength(int length, bool flexible, bool classicShort)
    {
        if (flexible)
        {
            WriteUVarint((uint)(length + 1));
        }
        else if (classicShort)
        {
            WriteInt16((short)length);
        }
        else
        {
            WriteInt32(length);
        }
    }
}
