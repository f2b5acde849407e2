using System.Text;
using Cep.Storage.Records;

namespace Cep.Engine.Runtime;

/// <summary>
/// Bad input records, kept: each goes to the dead-letter topic with its original key, value
/// and timestamp, and headers <c>cep.error</c> (the message) and <c>cep.origin</c>
/// (topic/partition/offset). An event on which user code threw goes there too, with the
/// operator named in the error and no key or value (the origin says where the record is).
/// Owned by one task.
/// </summary>
internal sealed class DeadLetterOutput(PartitionedBatches batches, int taskPartition) : TaskOutput
{
    public void Add(EventOrigin origin, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, long timestamp, Exception error)
    {
        RecordHeader[] headers =
        [
            new("cep.error", Encoding.UTF8.GetBytes(error.Message)),
            new("cep.origin", Encoding.UTF8.GetBytes($"{origin.Topic}/{origin.Partition}/{origin.Offset}")),
        ];
        batches.For(taskPartition % batches.Partitions)?.Add(timestamp, key?.ToArray(), value?.ToArray(), headers);
    }

    public override ValueTask FlushAsync(ITopicLog log) => batches.FlushAsync(log);
}
