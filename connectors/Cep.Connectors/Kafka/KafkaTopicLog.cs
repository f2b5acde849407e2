using Cep.Engine.Runtime;
using Cep.Storage.Records;
using Cep.Storage.Topics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cep.Connectors.Kafka;

/// <summary>
/// <see cref="ITopicLog"/> over the Kafka protocol with Confluent.Kafka: the same queries run
/// against any Kafka cluster — Cep's broker or Apache Kafka. Each cursor is a consumer assigned
/// to one partition (no group: the engine tracks positions in its checkpoints); appends decode
/// the engine's batch and produce its records (keys, values, headers, timestamps) to the
/// partition with an idempotent producer, completing when every record is acknowledged.
/// Delivery across a task's restart is at least once here: the cluster is not asked what a
/// producer wrote before (<see cref="LastSequence"/> is −1), which exactly-once through a Kafka
/// cluster would do with its transactions. Thread-safe; dispose after every query stopped.
/// </summary>
public sealed class KafkaTopicLog : ITopicLog, IDisposable
{
    private readonly string _bootstrapServers;
    private readonly IAdminClient _admin;
    private readonly IProducer<byte[]?, byte[]?> _producer;
    private readonly IConsumer<byte[]?, byte[]?> _metadata;

    public KafkaTopicLog(string bootstrapServers)
    {
        _bootstrapServers = bootstrapServers;
        _admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        _producer = new ProducerBuilder<byte[]?, byte[]?>(new ProducerConfig { BootstrapServers = bootstrapServers, EnableIdempotence = true, LingerMs = 1 }).Build();
        _metadata = Consumer(bootstrapServers);
    }

    public int PartitionCount(string topic)
    {
        var metadata = _admin.GetMetadata(topic, TimeSpan.FromSeconds(30)).Topics.SingleOrDefault(t => t.Topic == topic);
        return metadata is null || metadata.Error.Code == ErrorCode.UnknownTopicOrPart || metadata.Partitions.Count == 0
            ? throw new UnknownTopicException($"topic '{topic}' does not exist on {_bootstrapServers}")
            : metadata.Partitions.Count;
    }

    public long EndOffset(string topic, int partition)
    {
        lock (_metadata)
        {
            return _metadata.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(30)).High.Value;
        }
    }

    public void EnsureTopic(string topic, int partitions, bool compacted = false)
    {
        try
        {
            var spec = new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = -1 };
            if (compacted)
            {
                spec.Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact" };
            }
            _admin.CreateTopicsAsync([spec]).GetAwaiter().GetResult();
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.TopicAlreadyExists or ErrorCode.NoError))
        {
            // Another task of the query created it first.
        }
    }

    public long OffsetForTimestamp(string topic, int partition, long timestamp)
    {
        lock (_metadata)
        {
            var found = _metadata.OffsetsForTimes([new TopicPartitionTimestamp(topic, partition, new Timestamp(timestamp, TimestampType.CreateTime))], TimeSpan.FromSeconds(30)).Single().Offset;
            return found == Offset.End || found.Value < 0 ? EndOffset(topic, partition) : found.Value;
        }
    }

    public IPartitionCursor OpenCursor(string topic, int partition, long startOffset) => new KafkaCursor(Consumer(_bootstrapServers), topic, partition, startOffset);

    public LoggedProducer? Producer(string topic, int partition, long producerId) => null;

    public async ValueTask AppendAsync(string topic, int partition, Memory<byte> batch)
    {
        var target = new TopicPartition(topic, partition);
        var deliveries = new List<Task<DeliveryResult<byte[]?, byte[]?>>>();
        foreach (var decoded in RecordBatch.ReadAll(batch))
        {
            foreach (var record in decoded)
            {
                var headers = new Headers();
                foreach (var header in record.GetHeaders())
                {
                    headers.Add(header.Key, header.Value);
                }
                deliveries.Add(_producer.ProduceAsync(target, new Message<byte[]?, byte[]?>
                {
                    Key = record.Key?.ToArray(),
                    Value = record.Value?.ToArray(),
                    Timestamp = new Timestamp(record.Timestamp, TimestampType.CreateTime),
                    Headers = headers,
                }));
            }
        }
        await Task.WhenAll(deliveries).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _producer.Flush(TimeSpan.FromSeconds(30));
        _producer.Dispose();
        _metadata.Dispose();
        _admin.Dispose();
    }

    private static IConsumer<byte[]?, byte[]?> Consumer(string bootstrapServers) =>
        new ConsumerBuilder<byte[]?, byte[]?>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "cep-engine", // required by the client; never joined (assign only, no commits)
            EnableAutoCommit = false,
            EnablePartitionEof = false,
        }).Build();
}
