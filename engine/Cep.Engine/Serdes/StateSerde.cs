using System.Buffers;
using System.Text.Json;
using MemoryPack;

namespace Cep.Engine.Serdes;

/// <summary>
/// How operator state (keys, accumulators, buffered events) is written to the state store
/// when nobody chose a serde: MemoryPack where it can write the type (primitives, strings,
/// unmanaged structs, tuples, collections of those, <c>[MemoryPackable]</c> types), else
/// System.Text.Json with fields included (records and plain classes of user code). The choice
/// is made once per type by writing its default value. Thread-safe.
/// </summary>
public static class StateSerde
{
    public static ISerde<T> For<T>() => Cache<T>.Instance;

    private static ISerde<T> Choose<T>()
    {
        try
        {
            MemoryPackSerializer.Serialize(default(T));
            return new MemoryPackSerde<T>();
        }
        catch (MemoryPackSerializationException)
        {
            return new JsonSerde<T>(new JsonSerializerOptions { IncludeFields = true });
        }
    }

    private static class Cache<T>
    {
        public static readonly ISerde<T> Instance = Choose<T>();
    }
}
