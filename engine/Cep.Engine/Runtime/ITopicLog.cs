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

    /// <summary>Creates <paramref name="topic"/> with <paramref name="partitions"/> partitions unless it exists (internal topics such as repartition topics).</summary>
    void EnsureTopic(string topic, int partitions);

    /// <summary>The first offset whose record timestamp is ≥ <paramref name="timestamp"/> (ms since the epoch), or the end offset when none is.</summary>
    long OffsetForTimestamp(string topic, int partition, long timestamp);

    IPartitionCursor OpenCursor(string topic, int partition, long startOffset);

    /// <summary>The sequence number (0 … int.MaxValue, wrapping as Kafka's do) of the last record <paramref name="producerId"/>, an idempotent producer, appended to the partition; -1 when the partition knows no such producer.</summary>
    int LastSequence(string topic, int partition, long producerId);

    /// <summary>Appends one batch; completes when the topic's durability policy is met.</summary>
    ValueTask AppendAsync(string topic, int partition, Memory<byte> batch);
}
