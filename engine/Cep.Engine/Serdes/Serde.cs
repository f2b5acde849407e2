using System.Text.Json;

namespace Cep.Engine.Serdes;

/// <summary>The built-in serdes.</summary>
public static class Serde
{
    public static ISerde<string> Utf8String { get; } = new Utf8StringSerde();

    public static ISerde<byte[]> Bytes { get; } = new BytesSerde();

    public static ISerde<long> Int64 { get; } = new Int64Serde();

    public static ISerde<T> Json<T>(JsonSerializerOptions? options = null) => new JsonSerde<T>(options);

    /// <summary>MemoryPack binary, for <c>[MemoryPackable]</c> types.</summary>
    public static ISerde<T> MemoryPack<T>() => new MemoryPackSerde<T>();
}
