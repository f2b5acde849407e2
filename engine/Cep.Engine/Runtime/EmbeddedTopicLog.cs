using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Engine.Runtime;

/// <summary><see cref="ITopicLog"/> on the embedded <see cref="TopicStore"/>. Thread-safe.</summary>
public sealed class EmbeddedTopicLog(TopicStore store) : ITopicLog
{
    public int PartitionCount(string topic) => store.PartitionCount(topic);

    public long EndOffset(string topic, int partition) => store.GetPartition(topic, partition).HighWatermark;

    public void EnsureTopic(string topic, int partitions, bool compacted = false)
    {
        if (!store.ListTopics().Contains(topic))
        {
            try
            {
                store.CreateTopic(topic, partitions, config: compacted ? new Dictionary<string, string> { ["cleanup.policy"] = "compact" } : null);
            }
            catch (TopicExistsException)
            {
                // Another task of the same query created it first.
            }
        }
    }

    public long OffsetForTimestamp(string topic, int partition, long timestamp)
    {
        var log = store.GetPartition(topic, partition);
        return log.OffsetForTimestamp(timestamp) ?? log.HighWatermark;
    }

    public IPartitionCursor OpenCursor(string topic, int partition, long startOffset) =>
        new Cursor(store.GetPartition(topic, partition), startOffset);

    public LoggedProducer? Producer(string topic, int partition, long producerId) =>
        store.GetPartition(topic, partition).GetProducerState(producerId) is { } state ? new LoggedProducer(state.Epoch, state.LastSequence) : null;

    public async ValueTask AppendAsync(string topic, int partition, Memory<byte> batch) =>
        await store.GetPartition(topic, partition).AppendAsync(batch).ConfigureAwait(false);

    /// <summary>Reads batches into one reused buffer, checks each batch's CRC, skips control batches and records before the position.</summary>
    private sealed class Cursor(PartitionLog log, long startOffset) : IPartitionCursor
    {
        private readonly byte[] _buffer = new byte[256 * 1024];

        public string Topic => log.Topic;

        public int Partition => log.Partition;

        public long Position { get; private set; } = Math.Max(startOffset, log.LogStartOffset);

        public void Seek(long offset) => Position = Math.Max(offset, log.LogStartOffset);

        public int Read(Action<Record> onRecord)
        {
            FetchResult fetch;
            try
            {
                fetch = log.Read(Position, _buffer);
            }
            catch (ObjectDisposedException e)
            {
                throw Deleted(e);
            }
            int count = 0;
            foreach (var batch in RecordBatch.ReadAll(fetch.Records))
            {
                try
                {
                    batch.Validate();
                }
                catch (CorruptRecordException e)
                {
                    throw new CorruptRecordException($"{log.Name} offset {batch.BaseOffset}: {e.Message}", e);
                }
                if (!batch.IsControl)
                {
                    foreach (var record in batch)
                    {
                        if (record.Offset >= Position)
                        {
                            onRecord(record);
                            count++;
                        }
                    }
                }
                Position = Math.Max(Position, batch.LastOffset + 1);
            }
            return count;
        }

        public async Task WaitForDataAsync(CancellationToken cancellationToken)
        {
            try
            {
                await log.WaitForDataAsync(Position, cancellationToken).ConfigureAwait(false);
            }
            catch (ObjectDisposedException e)
            {
                throw Deleted(e);
            }
        }

        private UnknownTopicException Deleted(ObjectDisposedException e) =>
            new($"input {log.Name} was deleted while the query was reading it (at offset {Position})", e);
    }
}
