using Cep.Storage.Records;
using Confluent.Kafka;

namespace Cep.Benchmarks.Broker;

/// <summary>
/// Confluent.Kafka's consumer reading a 4-partition topic from the beginning through our broker
/// on loopback: 100-byte records written to the log beforehand (batches of 1000), fetched as the
/// stored bytes. Client and broker share this process.
/// </summary>
internal sealed class KafkaConsumeScenario : IScenario
{
    private const int RecordBytes = 100;
    private const int Partitions = 4;

    public string Name => "kafka-consume";

    public string Description => "Confluent.Kafka consumer from the beginning of 10 M records through our broker on loopback";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        int count = quick ? 1_000_000 : 10_000_000;
        await using var broker = await BenchBroker.StartAsync("kafka-consume");
        broker.Store.CreateTopic("consume", Partitions);
        await FillAsync(broker, "consume", count);
        var config = new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "bench",
            EnableAutoCommit = false,
            FetchMaxBytes = 52_428_800,
            MaxPartitionFetchBytes = 10_485_760,
            QueuedMaxMessagesKbytes = 1_048_576,
            // librdkafka pauses a partition's fetching for fetch.queue.backoff.ms (1 s) once its
            // local queue holds queued.min.messages (100 K): with 100-byte records one fetch does.
            QueuedMinMessages = 1_000_000,
            FetchQueueBackoffMs = 10,
        };
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset("consume", p, Offset.Beginning)));
        long consumed = 0, bytes = 0;
        var watch = CpuWatch.Start();
        while (consumed < count)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(10)) is not { } result)
            {
                throw new InvalidOperationException($"no record within 10 s after {consumed:N0}");
            }
            consumed++;
            bytes += result.Message.Value.Length;
        }
        var (wall, cpu) = watch.Elapsed();
        consumer.Close();
        var metrics = new MetricSet()
            .Add("msgs_per_s", consumed / wall.TotalSeconds)
            .Add("mb_per_s", bytes / wall.TotalSeconds / 1e6)
            .Add("msgs_per_cpu_s", consumed / cpu.TotalSeconds)
            .Add("cores_busy", cpu / wall);
        return new ScenarioResult(
            Name,
            $"{count:N0} records of {RecordBytes} B in {Partitions} partitions (written to the log before), consumer with assign() from the beginning, fetch.max.bytes 50 MB, queued.min.messages 1 M, fetch.queue.backoff.ms 10",
            metrics,
            "msgs_per_s",
            0,
            null,
            ["msgs_per_s is wall-clock over the whole read; msgs_per_cpu_s divides by the process's CPU time (librdkafka's threads and the broker's).", "no Kafka broker runs on this machine (no JVM), so there is no peer in the same run."]);
    }

    private static async Task FillAsync(BenchBroker broker, string topic, int count)
    {
        byte[] value = new byte[RecordBytes];
        Random.Shared.NextBytes(value);
        var builder = new RecordBatchBuilder();
        for (int written = 0; written < count; written += 1000)
        {
            builder.Reset();
            for (int i = 0; i < 1000; i++)
            {
                builder.AddWithoutKey(written + i, value);
            }
            await broker.Store.GetPartition(topic, written / 1000 % Partitions).AppendAsync(builder.Build().ToArray());
        }
    }
}
