using System.Buffers;
using MemoryPack;

namespace Cep.Engine.Serdes;

/// <summary>
/// The fast binary path: MemoryPack, for types marked <c>[MemoryPackable]</c> (its source
/// generator writes their formatters). Several times faster than JSON per event, which is what
/// the per-event bars need. Malformed input throws <see cref="FormatException"/>. Thread-safe.
/// </summary>
public sealed class MemoryPackSerde<T> : ISerde<T>
{
    public T Deserialize(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return MemoryPackSerializer.Deserialize<T>(bytes) ?? throw new FormatException($"MemoryPack null is not a {typeof(T).Name}");
        }
        catch (MemoryPackSerializationException e)
        {
            throw new FormatException($"not a valid {typeof(T).Name} in MemoryPack: {e.Message}", e);
        }
    }

    public void Serialize(T value, IBufferWriter<byte> output) => MemoryPackSerializer.Serialize(output, value);
}
