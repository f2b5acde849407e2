using System.Net;
using System.Text;
using System.Text.Json;
using Cep.Broker;
using Cep.Connectors.Kafka;
using Cep.Engine;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.Time;
using Cep.Engine.Windows;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Connectors.Tests;

/// <summary>A query through the Kafka protocol (Confluent.Kafka against Cep's broker on loopback) gives what it gives on the embedded log.</summary>
public sealed class KafkaTopicLogTests
{
    public sealed record Order(string Customer, int Amount, long At);

    [Fact]
    public async Task A_rekeying_windowed_query_over_the_kafka_protocol_writes_what_it_writes_on_the_embedded_log()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("orders", 3);
        store.CreateTopic("embedded-totals", 3);
        store.CreateTopic("kafka-totals", 3);
        var random = new Random(3);
        string[] customers = ["alice", "bob", "carol", "dave"];
        long start = 1_700_000_000_000;
        for (int partition = 0; partition < 3; partition++)
        {
            var batch = new RecordBatchBuilder();
            for (int i = partition; i < 450; i += 3)
            {
                var order = new Order(customers[random.Next(customers.Length)], random.Next(1, 100), start + i * 500);
                batch.Add(order.At, Encoding.UTF8.GetBytes($"order-{i}"), JsonSerializer.SerializeToUtf8Bytes(order, JsonSerializerOptions.Web), [new RecordHeader("source", [1])]);
            }
            await store.GetPartition("orders", partition).AppendAsync(batch.Build().ToArray());
        }
        await using var broker = await KafkaBroker.StartAsync(store, new BrokerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) });

        await QueryRunner.RunAsync("embedded", Totals("embedded-totals"), new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true });
        using (var kafka = new KafkaTopicLog($"127.0.0.1:{broker.Port}"))
        {
            await QueryRunner.RunAsync("kafka", Totals("kafka-totals"), kafka, new QueryOptions { StopAtEnd = true });
        }

        var embedded = TopicValues.Of(store, "embedded-totals");
        Assert.NotEmpty(embedded);
        Assert.Equal(embedded.Order(), TopicValues.Of(store, "kafka-totals").Order());
        // The query's repartition topic was created through the protocol (CreateTopics) with the input's partition count.
        Assert.Equal(3, store.PartitionCount("kafka-repartition-0"));
    }

    private static Action<QueryContext> Totals(string output) => query => query
        .Topic("orders", Serde.Json<Order>(), WatermarkStrategy<Order>.ForMonotonicTimestamps().WithTimestampAssigner(o => o.At))
        .RepartitionBy(o => o.Customer, Serde.Utf8String, Serde.Json<Order>())
        .Window(TimeWindows.Tumbling(TimeSpan.FromMinutes(1)))
        .Sum(o => (long)o.Amount)
        .Select(r => $"{r.Key} {r.Window.Start} {r.Value}")
        .To(output, Serde.Utf8String);
}
