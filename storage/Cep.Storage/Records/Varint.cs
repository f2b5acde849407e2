namespace Cep.Storage.Records;

/// <summary>
/// Zigzag variable-length integers as used inside Kafka records (protobuf's encoding):
/// 7 bits per byte, low bits first, high bit set on every byte but the last.
/// Readers take a span and a position and advance the position; a truncated or
/// over-long varint throws <see cref="CorruptRecordException"/>. Thread-safe (pure).
/// </summary>
public static class Varint
{
    public static int SizeOfInt(int value) => SizeOfUnsigned((uint)((value << 1) ^ (value >> 31)));

    public static int SizeOfLong(long value) => SizeOfUnsigned((ulong)((value << 1) ^ (value >> 63)));

    public static int SizeOfUnsigned(ulong value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    public static int WriteInt(Span<byte> destination, int position, int value) =>
        WriteUnsigned(destination, position, (uint)((value << 1) ^ (value >> 31)));

    public static int WriteLong(Span<byte> destination, int position, long value) =>
        WriteUnsigned(destination, position, (ulong)((value << 1) ^ (value >> 63)));

    /// <summary>Writes <paramref name="value"/> at <paramref name="position"/>; returns the position after it.</summary>
    public static int WriteUnsigned(Span<byte> destination, int position, ulong value)
    {
        while (value >= 0x80)
        {
            destination[position++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[position++] = (byte)value;
        return position;
    }

    public static int ReadInt(ReadOnlySpan<byte> source, ref int position)
    {
        ulong raw = ReadUnsigned(source, ref position, maxBytes: 5);
        uint value = (uint)raw;
        return (int)(value >> 1) ^ -(int)(value & 1);
    }

    public static long ReadLong(ReadOnlySpan<byte> source, ref int position)
    {
        ulong value = ReadUnsigned(source, ref position, maxBytes: 10);
        return (long)(value >> 1) ^ -(long)(value & 1);
    }

    private static ulong ReadUnsigned(ReadOnlySpan<byte> source, ref int position, int maxBytes)
    {
        ulong result = 0;
        int shift = 0;
        for (int i = 0; i < maxBytes; i++)
        {
            if ((uint)position >= (uint)source.Length)
            {
                throw new CorruptRecordException("varint runs past the end of the record");
            }
            byte b = source[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return result;
            }
            shift += 7;
        }
        throw new CorruptRecordException($"varint longer than {maxBytes} bytes");
    }
}
