using Cep.Broker.Cluster;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cep.Broker.Tests.Cluster;

/// <summary>
/// Three cluster nodes in one process (each its own store, quorum seat and Kafka listener on
/// loopback), driven by Confluent.Kafka: a topic with three replicas created through the
/// AdminClient, acks=all produces acknowledged only once replicated, every replica's log the
/// same bytes, and a stopped leader replaced from the ISR while producing goes on.
/// </summary>
public sealed class ReplicationTests
{
    [Fact]
    public async Task A_topic_with_three_replicas_takes_acks_all_produces_and_survives_its_leader()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        string bootstrap = string.Join(",", cluster.Nodes.Values.Select(n => $"127.0.0.1:{n.Broker.Port}"));
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "orders", NumPartitions = 3, ReplicationFactor = 3, Configs = new() { ["min.insync.replicas"] = "2" } }]);
            // The other nodes apply the new metadata a heartbeat after the controller does.
            await cluster.EventuallyAsync(() => cluster.Nodes.Values.All(n => n.Node.Replicas.Image.Topics.ContainsKey("orders")));
            var described = admin.GetMetadata("orders", TimeSpan.FromSeconds(10)).Topics.Single();
            Assert.Equal(3, described.Partitions.Count);
            Assert.All(described.Partitions, p => Assert.Equal(3, p.Replicas.Length));
        }

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, EnableIdempotence = true, MessageTimeoutMs = 30000 }).Build();
        var acknowledged = new List<(int Partition, long Offset, string Value)>();
        for (int i = 0; i < 300; i++)
        {
            var result = await producer.ProduceAsync("orders", new Message<string, string> { Key = $"k{i % 7}", Value = $"v{i}" });
            acknowledged.Add((result.Partition.Value, result.Offset.Value, $"v{i}"));
        }
        // Every replica has every acknowledged record, byte for byte.
        await cluster.EventuallyAsync(() => cluster.AllReplicasEqual("orders", 3));

        // Stop the leader of partition 0: another in-sync replica leads, and acks=all produces go on with two.
        int leader = cluster.Nodes.Values.First().Node.Replicas.Image.Partition("orders", 0)!.Leader;
        await cluster.StopAsync(leader);
        for (int i = 300; i < 400; i++)
        {
            var result = await producer.ProduceAsync("orders", new Message<string, string> { Key = $"k{i % 7}", Value = $"v{i}" });
            acknowledged.Add((result.Partition.Value, result.Offset.Value, $"v{i}"));
        }
        var survivor = cluster.Nodes.Values.First().Node;
        var state = survivor.Replicas.Image.Partition("orders", 0)!;
        Assert.NotEqual(leader, state.Leader);
        Assert.DoesNotContain(leader, state.Isr);
        await cluster.EventuallyAsync(() => cluster.AllReplicasEqual("orders", 3));

        // Each acknowledged record is in the log once, where it was acknowledged.
        foreach (var group in acknowledged.GroupBy(a => a.Partition))
        {
            var log = survivor.Replicas.Replica("orders", group.Key).Log;
            var records = TopicValues.WithOffsets(log);
            Assert.All(group, a => Assert.Equal(a.Value, records[a.Offset]));
            Assert.Equal(records.Count, records.Values.Distinct().Count());
        }
    }
}
