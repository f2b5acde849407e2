using System.Text;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Tests;

/// <summary>Every record value of a topic in the store, as UTF-8 text, partition after partition.</summary>
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
}
