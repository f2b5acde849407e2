using System.Buffers.Binary;

namespace Cep.Benchmarks;

/// <summary>
/// The record values every scenario writes, ours and the peer's alike: 100 bytes, the first
/// 8 the record's sequence number (so no two values are equal and the copy cannot be
/// hoisted out of the loop), the rest a fixed filler. Thread-safe (pure).
/// </summary>
internal static class Payload
{
    public const int ValueSize = 100;

    public const int RecordsPerBatch = 1000;

    public static void Fill(Span<byte> value, long sequence)
    {
        BinaryPrimitives.WriteInt64LittleEndian(value, sequence);
    }

    /// <summary>A value buffer with the filler already in place; only the sequence changes per record.</summary>
    public static byte[] NewValue()
    {
        byte[] value = new byte[ValueSize];
        for (int i = 8; i < value.Length; i++)
        {
            value[i] = (byte)('a' + (i % 26));
        }
        return value;
    }
}
