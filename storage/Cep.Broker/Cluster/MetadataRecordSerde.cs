using System.Text.Json;

namespace Cep.Broker.Cluster;

/// <summary>Metadata records to and from their JSON form in the metadata log. Thread-safe.</summary>
public static class MetadataRecordSerde
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static byte[] Encode(MetadataRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Json);

    /// <exception cref="InvalidDataException">The bytes are not a metadata record (the message says where).</exception>
    public static MetadataRecord Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return JsonSerializer.Deserialize<MetadataRecord>(bytes, Json) ?? throw new InvalidDataException("a metadata record is null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"not a metadata record: {e.Message}", e);
        }
    }
}
