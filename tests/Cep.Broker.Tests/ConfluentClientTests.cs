using System.Text;
using Confluent.Kafka;
using RecordBatch = Cep.Storage.Records.RecordBatch;

namespace Cep.Broker.Tests;

/// <summary>Confluent.Kafka (librdkafka) against the broker on a loopback port.</summary>
public sealed class ConfluentClientTests
{
    [Theory]
    [InlineData(Acks.None)]
    [InlineData(Acks.Leader)]
    [InlineData(Acks.All)]
    public async Task Records_produced_with_any_acks_are_consumed_from_the_beginning_with_keys_headers_and_timestamps(Acks acks)
    {
        await using var fixture = await BrokerFixture.StartAsync();
        fixture.Store.CreateTopic("orders", 3);
        var config = new ProducerConfig { BootstrapServers = fixture.BootstrapServers, Acks = acks, EnableIdempotence = false, LingerMs = 5 };
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            for (int i = 0; i < 300; i++)
            {
                var message = new Message<string, string>
                {
                    Key = $"customer-{i % 7}",
                    Value = $"order {i}",
                    Timestamp = new Timestamp(1_700_000_000_000 + i, TimestampType.CreateTime),
                    Headers = new Headers { { "source", Encoding.UTF8.GetBytes("test") } },
                };
                producer.Produce("orders", message);
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var consumed = Consume(fixture, "orders", 300);
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"order {i}").Order(), consumed.Select(m => m.Message.Value).Order());
        Assert.All(consumed, m =>
        {
            int i = int.Parse(m.Message.Value["order ".Length..]);
            Assert.Equal($"customer-{i % 7}", m.Message.Key);
            Assert.Equal(1_700_000_000_000 + i, m.Message.Timestamp.UnixTimestampMs);
            Assert.Equal("test", Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes("source")));
        });
        // One key, one partition; within a partition the order produced.
        Assert.All(consumed.GroupBy(m => m.Message.Key), g => Assert.Single(g.Select(m => m.Partition.Value).Distinct()));
        foreach (var partition in consumed.GroupBy(m => m.Partition.Value))
        {
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(o => (long)o), partition.Select(m => m.Offset.Value));
        }
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task Compressed_batches_are_stored_as_they_came_and_read_back(CompressionType compression)
    {
        await using var fixture = await BrokerFixture.StartAsync();
        fixture.Store.CreateTopic("compressed", 1);
        var config = new ProducerConfig { BootstrapServers = fixture.BootstrapServers, CompressionType = compression, LingerMs = 20 };
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            for (int i = 0; i < 500; i++)
            {
                producer.Produce("compressed", new Message<string, string> { Key = $"k{i % 10}", Value = $"a fairly repetitive value number {i}" });
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        // The log holds the producer's own codec (attributes bits 0-2), not a re-encoding. librdkafka
        // sends a batch uncompressed when compressing would not make it smaller (small batches).
        var stored = RecordBatch.ReadAll(fixture.Store.GetPartition("compressed", 0).Read(0, 1 << 20).Records).ToList();
        Assert.Contains(stored, b => (int)b.Compression == (int)compression);
        Assert.All(stored, b => Assert.True((int)b.Compression == (int)compression || (int)b.Compression == 0, $"batch at {b.BaseOffset} is {b.Compression}"));
        var consumed = Consume(fixture, "compressed", 500);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"a fairly repetitive value number {i}"), consumed.Select(m => m.Message.Value));
    }

    [Fact]
    public async Task An_idempotent_producer_gets_a_producer_id_and_its_records_are_written_once()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        fixture.Store.CreateTopic("payments", 1);
        var config = new ProducerConfig { BootstrapServers = fixture.BootstrapServers, EnableIdempotence = true, Acks = Acks.All };
        using (var producer = new ProducerBuilder<Null, string>(config).Build())
        {
            for (int i = 0; i < 1000; i++)
            {
                producer.Produce("payments", new Message<Null, string> { Value = $"payment {i}" });
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        var consumed = Consume(fixture, "payments", 1000);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => $"payment {i}"), consumed.Select(m => m.Message.Value));
        var log = fixture.Store.GetPartition("payments", 0);
        Assert.Equal(1000, log.LogEndOffset);
    }

    [Fact]
    public async Task Describe_producers_reports_an_idempotent_producers_last_sequence_over_the_flexible_encoding()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        fixture.Store.CreateTopic("ledger", 1);
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers, EnableIdempotence = true }).Build())
        {
            for (int i = 0; i < 100; i++)
            {
                producer.Produce("ledger", new Message<Null, string> { Value = $"entry {i}" });
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        await using var connection = await Cep.Broker.Client.KafkaConnection.ConnectAsync("127.0.0.1", fixture.Broker.Port, "test", CancellationToken.None);
        var described = await connection.SendAsync<Cep.Broker.Protocol.Messages.DescribeProducersRequest, Cep.Broker.Protocol.Messages.DescribeProducersResponse>(
            new() { Topics = [new() { Name = "ledger", PartitionIndexes = [0, 7] }] }, 0, CancellationToken.None);
        var partitions = Assert.Single(described.Topics).Partitions;
        var producerState = Assert.Single(partitions[0].ActiveProducers);
        Assert.Equal((0, 99), (producerState.ProducerEpoch, producerState.LastSequence));
        Assert.True(producerState.ProducerId >= 1L << 40, "an id from the broker's allocator");
        Assert.Equal((short)Cep.Broker.Protocol.ErrorCode.UnknownTopicOrPartition, partitions[1].ErrorCode);
        Assert.Contains("ledger", partitions[1].ErrorMessage);
    }

    private static List<ConsumeResult<string, string>> Consume(BrokerFixture fixture, string topic, int count)
    {
        var config = new ConsumerConfig { BootstrapServers = fixture.BootstrapServers, GroupId = "unused", EnableAutoCommit = false, AutoOffsetReset = AutoOffsetReset.Earliest };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Assign(Enumerable.Range(0, fixture.Store.PartitionCount(topic)).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var consumed = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (consumed.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                consumed.Add(result);
            }
        }
        consumer.Close();
        return consumed;
    }
}
