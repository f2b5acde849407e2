using Cep.Broker.Groups;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cep.Broker.Tests.Cluster;

/// <summary>
/// Consumer groups on a three-node cluster: members that reach different nodes still form one
/// group (the coordinator is the node that leads the replicated offsets topic), and the
/// committed offsets outlive that node.
/// </summary>
public sealed class ClusterGroupTests
{
    [Fact]
    public async Task Members_reaching_different_nodes_share_one_group_and_its_offsets_survive_the_coordinator()
    {
        await using var cluster = await TestCluster.StartAsync(3);
        string Address(int id) => $"127.0.0.1:{cluster.Nodes[id].Broker.Port}";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Address(1) }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "clicks", NumPartitions = 4, ReplicationFactor = 3 }]);
        }
        await cluster.EventuallyAsync(() => cluster.Nodes.Values.All(n => n.Node.Replicas.Image.Topics.ContainsKey("clicks")));
        // Two members, each told of a different node only.
        using var first = Member(Address(1));
        using var second = Member(Address(2));
        first.Subscribe("clicks");
        second.Subscribe("clicks");
        // The group settles first (no records yet): a record read after that is read once, or the members are two groups.
        var settled = DateTime.UtcNow.AddSeconds(60);
        while (first.Assignment.Count == 0 || second.Assignment.Count == 0 || first.Assignment.Count + second.Assignment.Count != 4)
        {
            Assert.True(DateTime.UtcNow < settled, $"the group did not settle: assignments {first.Assignment.Count} + {second.Assignment.Count}");
            first.Consume(TimeSpan.FromMilliseconds(100));
            second.Consume(TimeSpan.FromMilliseconds(100));
        }
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = Address(1), Acks = Acks.All }).Build())
        {
            for (int i = 0; i < 200; i++)
            {
                await producer.ProduceAsync("clicks", new Message<string, string> { Key = $"k{i}", Value = $"v{i}" });
            }
        }

        var seen = new HashSet<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (seen.Count < 200 || first.Assignment.Count + second.Assignment.Count != 4)
        {
            Assert.True(DateTime.UtcNow < deadline, $"read {seen.Count} of 200; assignments {first.Assignment.Count} + {second.Assignment.Count}");
            foreach (var member in new[] { first, second })
            {
                if (member.Consume(TimeSpan.FromMilliseconds(100)) is { Message: { } message })
                {
                    Assert.True(seen.Add(message.Value), $"{message.Value} was read twice: the members are not one group");
                }
            }
        }
        Assert.Empty(first.Assignment.Intersect(second.Assignment));
        Assert.True(first.Assignment.Count > 0 && second.Assignment.Count > 0, "one member got every partition");
        var committed = first.Assignment.Select(tp => new TopicPartitionOffset(tp, first.Position(tp))).Concat(second.Assignment.Select(tp => new TopicPartitionOffset(tp, second.Position(tp)))).ToList();
        first.Commit(committed.Where(c => first.Assignment.Contains(c.TopicPartition)));
        second.Commit(committed.Where(c => second.Assignment.Contains(c.TopicPartition)));
        first.Close();
        second.Close();

        // The coordinator goes; another node leads the offsets topic and knows every commit.
        int coordinator = cluster.Nodes.Values.First().Node.GroupCoordinatorNode!.NodeId;
        await cluster.StopAsync(coordinator);
        // Every node's metadata names the new coordinator before a client asks (until then a node may still send it to one that does not know yet).
        await cluster.EventuallyAsync(() => cluster.Nodes.Values.Select(n => n.Node.GroupCoordinatorNode?.NodeId).Distinct().ToList() is [{ } next] && next != coordinator);
        using var third = Member(string.Join(",", cluster.Nodes.Keys.Select(Address)));
        List<TopicPartitionOffset> stored;
        var asked = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                stored = third.Committed(committed.Select(c => c.TopicPartition), TimeSpan.FromSeconds(10));
                break;
            }
            catch (KafkaException e) when (e.Error.Code is ErrorCode.NotCoordinatorForGroup or ErrorCode.GroupLoadInProgress && DateTime.UtcNow < asked)
            {
                // As a client application would: ask again, the coordinator is being found.
            }
        }
        Assert.Equal(committed.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value), stored.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value));
        Assert.Equal(200, committed.Sum(c => c.Offset.Value));
        Assert.Contains(OffsetStore.Topic, cluster.Nodes.Values.First().Node.Replicas.Image.Topics.Keys);
    }

    private static IConsumer<string, string> Member(string bootstrap) => new ConsumerBuilder<string, string>(new ConsumerConfig
    {
        BootstrapServers = bootstrap,
        GroupId = "readers",
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        SessionTimeoutMs = 6000,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
    }).Build();
}
