using System.Buffers;

namespace Cep.Engine.Serdes;

/// <summary>Raw bytes, copied. Thread-safe.</summary>
public sealed class BytesSerde : ISerde<byte[]>
{
    public byte[] Deserialize(ReadOnlySpan<byte> bytes) => bytes.ToArray();

    public void Serialize(byte[] value, IBufferWriter<byte> output) => output.Write(value);
}
