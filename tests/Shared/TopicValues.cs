using System.Text;
using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Tests;

/// <summary>Record values of a topic or a partition as UTF-8 text: a topic's partition after partition, or a partition's by offset.</summary>
internal static class TopicValues
{
    public static List<string> Of(TopicStore store, string topic)
    {
        var values = new List<string>();
        for (int p = 0; p < store.PartitionCount(topic); p++)
        {
            foreach (var batch in RecordBatch.ReadAll(store.GetPartition(topic, p).Read(0, 1 << 20).Records))
            {
                foreach (var record in batch)
                {
                    values.Add(Encoding.UTF8.GetString(record.Value!.Value.Span));
                }
            }
        }
        return values;
    }

    /// <summary>Every record of <paramref name="log"/> below its high watermark: offset → value.</summary>
    public static Dictionary<long, string> WithOffsets(PartitionLog log)
    {
        var values = new Dictionary<long, string>();
        long offset = log.LogStartOffset;
        while (offset < log.HighWatermark)
        {
            var batches = RecordBatch.ReadAll(log.Read(offset, 1 << 20).Records).ToList();
            foreach (var batch in batches)
            {
                foreach (var record in batch)
                {
                    values[record.Offset] = Encoding.UTF8.GetString(record.Value!.Value.Span);
                }
            }
            offset = batches[^1].LastOffset + 1;
        }
        return values;
    }
}
