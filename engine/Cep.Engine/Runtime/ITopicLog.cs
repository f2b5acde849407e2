namespace Cep.Engine.Runtime;

/// <summary>
/// What the engine needs from a log: partition counts, cursors that read records from an
/// offset, and appends of RecordBatch v2 batches. The embedded store implements it
/// (<see cref="EmbeddedTopicLog"/>); a Kafka-cluster connector can too. Implementations are
/// thread-safe; each cursor is owned by one task.
/// </summary>
public interface ITopicLog
{
    /// <exception cref="Cep.Storage.Topics.UnknownTopicException">No such topic.</exception>
    int PartitionCount(string topic);

    long EndOffset(string topic, int partition);

    /// <summary>
    /// Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions unless it
    /// exists (internal topics: repartition and changelog topics); <paramref name="compacted"/>
    /// gives it cleanup.policy=compact (a changelog keeps the latest value of each key).
    /// </summary>
    void EnsureTopic(string topic, int partitions, bool compacted = false);

    /// <summary>The first offset whose record timestamp is ≥ <paramref name="timestamp"/> (ms since the epoch), or the end offset when none is.</summary>
    long OffsetForTimestamp(string topic, int partition, long timestamp);

    IPartitionCursor OpenCursor(string topic, int partition, long startOffset);

    /// <summary>The epoch and last sequence of <paramref name="producerId"/>, an idempotent producer, in the partition; null when the partition knows no such producer.</summary>
    LoggedProducer? Producer(string topic, int partition, long producerId);

    /// <summary>
    /// Appends one batch; completes when the topic's durability policy is met. Throws
    /// <see cref="Cep.Storage.Log.InvalidProducerEpochException"/> when the batch's producer
    /// epoch is older than the partition's (the writer was fenced) and
    /// <see cref="Cep.Storage.Log.OutOfOrderSequenceException"/> for a sequence gap.
    /// </summary>
    ValueTask AppendAsync(string topic, int partition, Memory<byte> batch);
}
