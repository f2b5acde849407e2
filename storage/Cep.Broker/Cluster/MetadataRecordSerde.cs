using System.Text.Json;

namespace Cep.Broker.Cluster;

/// <summary>Metadata records to and from their JSON form in the metadata log. Thread-safe.</summary>
public static class MetadataRecordSerde
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static byte[] Encode(MetadataRecord record) => JsonSerializer.SerializeToUtf8Bytes(record, Json);

    /// <summary>One entry of the metadata log: the records of one decision.</summary>
    public static byte[] EncodeBatch(IReadOnlyList<MetadataRecord> records) => JsonSerializer.SerializeToUtf8Bytes(records, Json);

    /// <exception cref="InvalidDataException">The bytes are not a batch of metadata records.</exception>
    public static IReadOnlyList<MetadataRecord> DecodeBatch(ReadOnlySpan<byte> bytes) => Parse<List<MetadataRecord>>(bytes, "a metadata batch");

    /// <summary>A snapshot: the log offset it is as of, and the records that rebuild the image.</summary>
    public static byte[] EncodeSnapshot(long offset, IReadOnlyList<MetadataRecord> records) => JsonSerializer.SerializeToUtf8Bytes(new Snapshot(offset, records.ToList()), Json);

    public static (long Offset, IReadOnlyList<MetadataRecord> Records) DecodeSnapshot(ReadOnlySpan<byte> bytes)
    {
        var snapshot = Parse<Snapshot>(bytes, "a metadata snapshot");
        return (snapshot.Offset, snapshot.Records);
    }

    /// <exception cref="InvalidDataException">The bytes are not a metadata record (the message says where).</exception>
    public static MetadataRecord Decode(ReadOnlySpan<byte> bytes) => Parse<MetadataRecord>(bytes, "a metadata record");

    private static T Parse<T>(ReadOnlySpan<byte> bytes, string what)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, Json) ?? throw new InvalidDataException($"{what} is null");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            throw new InvalidDataException($"not {what}: {e.Message}", e);
        }
    }

    private sealed record Snapshot(long Offset, List<MetadataRecord> Records);
}
