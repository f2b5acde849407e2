using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Cep.Engine.Serdes;

/// <summary>
/// JSON via System.Text.Json: web defaults (camelCase, case-insensitive reads) unless options
/// are given; pass a source-generated <see cref="JsonTypeInfo{T}"/> for the fast path.
/// Malformed JSON or JSON <c>null</c> throws <see cref="FormatException"/>. Thread-safe.
/// </summary>
public sealed class JsonSerde<T> : ISerde<T>
{
    private readonly JsonTypeInfo<T> _typeInfo;

    public JsonSerde(JsonSerializerOptions? options = null)
    {
        var resolved = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        resolved.MakeReadOnly(populateMissingResolver: true);
        _typeInfo = (JsonTypeInfo<T>)resolved.GetTypeInfo(typeof(T));
    }

    public JsonSerde(JsonTypeInfo<T> typeInfo)
    {
        _typeInfo = typeInfo;
    }

    public T Deserialize(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, _typeInfo) ?? throw new FormatException($"JSON null is not a {typeof(T).Name}");
        }
        catch (JsonException e)
        {
            throw new FormatException($"not a valid {typeof(T).Name} in JSON: {e.Message}", e);
        }
    }

    public void Serialize(T value, IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output);
        JsonSerializer.Serialize(writer, value, _typeInfo);
    }
}
