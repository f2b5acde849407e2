using System.Runtime.CompilerServices;
using Cep.Storage.Log;
using Cep.Storage.Topics;

namespace Cep.Cli.Commands;

/// <summary>A topic of the data directory, read with <see cref="PartitionReader"/> (following awaits appends, no polling).</summary>
internal sealed class LocalSource(TopicStore store, string topic) : IRecordSource
{
    public string Topic => topic;

    public Task<IReadOnlyList<PartitionRange>> PartitionsAsync(int? only, CancellationToken ct)
    {
        var partitions = only is int p ? [store.GetPartition(topic, p)] : Enumerable.Range(0, store.PartitionCount(topic)).Select(i => store.GetPartition(topic, i));
        return Task.FromResult<IReadOnlyList<PartitionRange>>(partitions.Select(log => new PartitionRange(log.Partition, log.LogStartOffset, log.HighWatermark)).ToList());
    }

    public Task<long> OffsetForTimeAsync(int partition, long time, CancellationToken ct)
    {
        var log = store.GetPartition(topic, partition);
        return Task.FromResult(log.OffsetForTimestamp(time) ?? log.HighWatermark);
    }

    public async IAsyncEnumerable<ConsumedRecord> ReadAsync(PartitionRange partition, long start, bool follow, [EnumeratorCancellation] CancellationToken ct)
    {
        var reader = new PartitionReader(store.GetPartition(topic, partition.Partition), start);
        await foreach (var record in reader.ReadAsync(follow, ct))
        {
            yield return new ConsumedRecord(partition.Partition, record.Offset, record.Key?.ToArray(), record.Value?.ToArray());
        }
    }
}
