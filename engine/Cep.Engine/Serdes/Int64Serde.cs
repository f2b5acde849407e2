using System.Buffers;
using System.Buffers.Binary;

namespace Cep.Engine.Serdes;

/// <summary>A long as 8 big-endian bytes (Kafka's LongSerializer). Thread-safe.</summary>
public sealed class Int64Serde : ISerde<long>
{
    public long Deserialize(ReadOnlySpan<byte> bytes) => bytes.Length == 8
        ? BinaryPrimitives.ReadInt64BigEndian(bytes)
        : throw new FormatException($"a long needs 8 bytes, got {bytes.Length}");

    public void Serialize(long value, IBufferWriter<byte> output)
    {
        BinaryPrimitives.WriteInt64BigEndian(output.GetSpan(8), value);
        output.Advance(8);
    }
}
