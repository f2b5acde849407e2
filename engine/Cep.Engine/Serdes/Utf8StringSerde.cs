using System.Buffers;
using System.Text;

namespace Cep.Engine.Serdes;

/// <summary>Strings as UTF-8 bytes. Thread-safe.</summary>
public sealed class Utf8StringSerde : ISerde<string>
{
    public string Deserialize(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    public void Serialize(string value, IBufferWriter<byte> output)
    {
        int written = Encoding.UTF8.GetBytes(value, output.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length)));
        output.Advance(written);
    }
}
