using System.Text;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Engine.Tests.Runtime;

/// <summary>Writing test records into topics of the embedded store and reading topics back, partition by partition.</summary>
internal static class TopicData
{
    public static async Task Produce(TopicStore store, string topic, IEnumerable<(string? Key, string Value, long Timestamp)> records)
    {
        foreach (var (key, value, timestamp) in records)
        {
            int partition = key is null ? 0 : Murmur2Partitioner.Partition(Encoding.UTF8.GetBytes(key), store.PartitionCount(topic));
            var builder = new RecordBatchBuilder();
            builder.Add(timestamp, key is null ? null : Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));
            await store.GetPartition(topic, partition).AppendAsync(builder.Build().ToArray());
        }
    }

    public static List<(string? Key, string? Value, long Timestamp, RecordHeader[] Headers)> Consume(TopicStore store, string topic)
    {
        var records = new List<(string?, string?, long, RecordHeader[])>();
        for (int p = 0; p < store.PartitionCount(topic); p++)
        {
            var log = store.GetPartition(topic, p);
            foreach (var batch in RecordBatch.ReadAll(log.Read(0, 1 << 24).Records))
            {
                foreach (var record in batch)
                {
                    records.Add((Text(record.Key), Text(record.Value), record.Timestamp, record.GetHeaders()));
                }
            }
        }
        return records;
    }

    public static string? Text(ReadOnlyMemory<byte>? bytes) => bytes is { } b ? Encoding.UTF8.GetString(b.Span) : null;
}
