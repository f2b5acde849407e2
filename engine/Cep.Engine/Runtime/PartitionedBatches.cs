using Cep.Storage.Records;

namespace Cep.Engine.Runtime;

/// <summary>
/// One record batch under construction per output partition, appended (and reset) on flush.
/// Batches are capped so none exceeds the default max.message.bytes. Owned by one task.
/// </summary>
internal sealed class PartitionedBatches(string topic, int partitions)
{
    private const int MaxBatchBytes = 900 * 1024;

    private readonly RecordBatchBuilder?[] _builders = new RecordBatchBuilder?[partitions];
    private readonly List<(int Partition, byte[] Batch)> _full = [];

    public string Topic => topic;

    public int Partitions => partitions;

    public RecordBatchBuilder For(int partition)
    {
        var builder = _builders[partition] ??= new RecordBatchBuilder();
        if (builder.Count > 0 && builder.EstimatedSize > MaxBatchBytes)
        {
            _full.Add((partition, builder.Build().ToArray()));
            builder.Reset();
        }
        return builder;
    }

    public async ValueTask FlushAsync(ITopicLog log)
    {
        foreach (var (partition, batch) in _full)
        {
            await log.AppendAsync(topic, partition, batch).ConfigureAwait(false);
        }
        _full.Clear();
        for (int partition = 0; partition < _builders.Length; partition++)
        {
            if (_builders[partition] is { Count: > 0 } builder)
            {
                // The append is awaited before the builder is reused, so the log may take (and
                // write offsets into) the builder's own buffer: no copy.
                await log.AppendAsync(topic, partition, builder.Build()).ConfigureAwait(false);
                builder.Reset();
            }
        }
    }
}
