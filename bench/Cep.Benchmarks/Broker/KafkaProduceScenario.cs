using Confluent.Kafka;

namespace Cep.Benchmarks.Broker;

/// <summary>
/// Confluent.Kafka's producer (librdkafka) to our broker on loopback: 100-byte records without
/// keys into a 4-partition topic, linger 5 ms, batches up to 1 MB, no compression, once with
/// acks=1 and once with acks=all (one broker: both wait for the topic's group commit, every ack
/// after an fsync). Client and broker share this process, so CPU time counts both.
/// </summary>
internal sealed class KafkaProduceScenario : IScenario
{
    private const int RecordBytes = 100;

    public string Name => "kafka-produce";

    public string Description => "Confluent.Kafka producer to our broker on loopback, 100 B records, acks=1 and acks=all";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        int count = quick ? 500_000 : 3_000_000;
        await using var broker = await BenchBroker.StartAsync("kafka-produce");
        var metrics = new MetricSet();
        foreach (var (acks, label) in new[] { (Acks.Leader, "acks1"), (Acks.All, "acksall") })
        {
            string topic = $"produce-{label}";
            broker.Store.CreateTopic(topic, 4);
            var (wall, cpu, errors) = Produce(broker.BootstrapServers, topic, acks, count);
            if (errors > 0)
            {
                throw new InvalidOperationException($"{errors} records were not delivered ({label})");
            }
            long stored = Enumerable.Range(0, 4).Sum(p => broker.Store.GetPartition(topic, p).LogEndOffset);
            if (stored != count)
            {
                throw new InvalidOperationException($"{stored} records in the log, {count} produced ({label})");
            }
            metrics.Add($"{label}_msgs_per_s", count / wall.TotalSeconds)
                .Add($"{label}_mb_per_s", count * (double)RecordBytes / wall.TotalSeconds / 1e6)
                .Add($"{label}_msgs_per_cpu_s", count / cpu.TotalSeconds)
                .Add($"{label}_cores_busy", cpu / wall);
        }
        return new ScenarioResult(
            Name,
            $"{count:N0} records of {RecordBytes} B per run, 4 partitions, linger.ms=5, batch.size=1 MB, no compression, flush.policy=group; broker and client in one process on 2 cores",
            metrics,
            "acks1_msgs_per_s",
            500_000,
            null,
            [
                "msgs_per_s is wall-clock (the DESIGN bar: >= 500 K msgs/s); msgs_per_cpu_s divides by the process's CPU time (librdkafka's threads and the broker's).",
                "no Kafka broker runs on this machine (no JVM), so there is no peer in the same run.",
            ]);
    }

    /// <summary>Produces <paramref name="count"/> 100-byte records as fast as the producer takes them; the wall and CPU time until all are acknowledged, and how many failed.</summary>
    internal static (TimeSpan Wall, TimeSpan Cpu, long Errors) Produce(string brokers, string topic, Acks acks, int count)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = brokers,
            Acks = acks,
            LingerMs = 5,
            BatchSize = 1_000_000,
            QueueBufferingMaxMessages = 2_000_000,
            QueueBufferingMaxKbytes = 1_048_576,
            EnableIdempotence = false,
        };
        byte[] value = new byte[RecordBytes];
        Random.Shared.NextBytes(value);
        long errors = 0;
        using var producer = new ProducerBuilder<Null, byte[]>(config).Build();
        var message = new Message<Null, byte[]> { Value = value };
        Action<DeliveryReport<Null, byte[]>> delivered = report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref errors);
            }
        };
        var watch = CpuWatch.Start();
        for (int i = 0; i < count; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, message, delivered);
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }
        producer.Flush(TimeSpan.FromMinutes(2));
        var (wall, cpu) = watch.Elapsed();
        return (wall, cpu, Interlocked.Read(ref errors));
    }
}
