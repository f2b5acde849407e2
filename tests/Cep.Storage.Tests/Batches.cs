using System.Text;
using Cep.Storage.Log;
using Cep.Storage.Records;

namespace Cep.Storage.Tests;

/// <summary>Builds batches from readable records and reads a partition back as strings.</summary>
internal static class Batches
{
    public static Memory<byte> Of(params (string? Key, string? Value, long Timestamp)[] records)
    {
        var builder = new RecordBatchBuilder();
        foreach (var (key, value, timestamp) in records)
        {
            builder.Add(timestamp, key is null ? null : Encoding.UTF8.GetBytes(key), value is null ? null : Encoding.UTF8.GetBytes(value));
        }
        return builder.Build().ToArray();
    }

    /// <summary>A batch from idempotent producer <paramref name="producerId"/>, its first record at <paramref name="baseSequence"/>.</summary>
    public static Memory<byte> Idempotent(long producerId, short epoch, int baseSequence, long timestamp, string? key, params string[] values)
    {
        var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = baseSequence };
        foreach (string value in values)
        {
            builder.Add(timestamp, key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
        }
        return builder.Build().ToArray();
    }

    public static Memory<byte> Values(long timestamp, params string[] values) =>
        Of(values.Select(v => ((string?)null, (string?)v, timestamp)).ToArray());

    public static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : null;

    /// <summary>(offset, key, value, timestamp) of every record from <paramref name="from"/> to the end.</summary>
    public static List<(long Offset, string? Key, string? Value, long Timestamp)> ReadAll(PartitionLog log, long? from = null)
    {
        var reader = new PartitionReader(log, from ?? log.LogStartOffset, maxBytes: 4096);
        var records = new List<(long, string?, string?, long)>();
        var enumerator = reader.ReadAsync(follow: false).GetAsyncEnumerator();
        while (enumerator.MoveNextAsync().AsTask().GetAwaiter().GetResult())
        {
            var r = enumerator.Current;
            records.Add((r.Offset, Text(r.Key), Text(r.Value), r.Timestamp));
        }
        return records;
    }
}
