using System.Buffers;

namespace Cep.Engine.Serdes;

/// <summary>
/// Turns values into record bytes and back. Implementations are stateless and thread-safe.
/// Deserialize throws on malformed input; the runtime turns that into a dead letter or a
/// stopped query naming topic/partition/offset.
/// </summary>
public interface ISerde<T>
{
    T Deserialize(ReadOnlySpan<byte> bytes);

    void Serialize(T value, IBufferWriter<byte> output);
}
