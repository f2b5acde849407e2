using System.Collections.Concurrent;
using System.Net;
using Cep.Storage.Topics;
using Confluent.Kafka;

namespace Cep.Broker.Tests;

/// <summary>Confluent.Kafka consumers in groups: subscribe, share partitions, commit, resume after a restart.</summary>
public sealed class ConsumerGroupTests
{
    [Fact]
    public async Task A_group_consumes_everything_commits_and_a_new_member_resumes_after_the_commit_even_across_a_broker_restart()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("clicks", 3);
        var broker = await KafkaBroker.StartAsync(store, new BrokerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        try
        {
            Produce(broker.Port, "clicks", Enumerable.Range(0, 300).Select(i => $"click {i}"));
            var first = ConsumeInGroup(broker.Port, "clicks", "readers", 300);
            Assert.Equal(Enumerable.Range(0, 300).Select(i => $"click {i}").Order(), first.Order());
            var committed = broker.Groups.Committed("readers");
            Assert.Equal(3, committed.Count);
            Assert.Equal(300, committed.Sum(c => c.Offset.Offset));

            // The broker restarts on the same data: the offsets come back from __consumer_offsets.
            await broker.DisposeAsync();
            broker = await KafkaBroker.StartAsync(store, new BrokerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
            Assert.Equal(300, broker.Groups.Committed("readers").Sum(c => c.Offset.Offset));
            Produce(broker.Port, "clicks", Enumerable.Range(300, 50).Select(i => $"click {i}"));
            var second = ConsumeInGroup(broker.Port, "clicks", "readers", 50);
            Assert.Equal(Enumerable.Range(300, 50).Select(i => $"click {i}").Order(), second.Order());
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }

    [Theory]
    [InlineData(PartitionAssignmentStrategy.Range)]
    [InlineData(PartitionAssignmentStrategy.RoundRobin)]
    [InlineData(PartitionAssignmentStrategy.CooperativeSticky)]
    public async Task Three_members_share_the_partitions_and_when_one_leaves_the_others_take_its_partitions(PartitionAssignmentStrategy strategy)
    {
        await using var fixture = await BrokerFixture.StartAsync();
        fixture.Store.CreateTopic("events", 6);
        var assignments = new ConcurrentDictionary<string, List<int>>();
        var consumers = Enumerable.Range(0, 3).Select(i => Member(fixture, $"member-{i}", strategy, assignments)).ToList();
        try
        {
            await Eventually(() => Poll(consumers) && assignments.Values.Sum(a => a.Count) == 6 && assignments.Values.All(a => a.Count == 2));
            Assert.Equal(Enumerable.Range(0, 6), assignments.Values.SelectMany(a => a).Order());
            var group = fixture.Broker.Groups.Describe("sharers");
            Assert.Equal(("Stable", 3), (group.State.ToString(), group.Members.Count));

            consumers[2].Close();
            consumers[2].Dispose();
            assignments.TryRemove("member-2", out _);
            await Eventually(() => Poll(consumers.Take(2)) && assignments.Values.Sum(a => a.Count) == 6 && assignments.Values.All(a => a.Count == 3));
            Assert.Equal(Enumerable.Range(0, 6), assignments.Values.SelectMany(a => a).Order());
            Assert.Equal(2, fixture.Broker.Groups.Describe("sharers").Members.Count);
        }
        finally
        {
            foreach (var consumer in consumers.Take(2))
            {
                consumer.Close();
                consumer.Dispose();
            }
        }
    }

    internal static void Produce(int port, string topic, IEnumerable<string> values)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = $"127.0.0.1:{port}", LingerMs = 5 }).Build();
        foreach (string value in values)
        {
            producer.Produce(topic, new Message<string, string> { Key = value, Value = value }); // keyed: spread over the partitions
        }
        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    internal static List<string> ConsumeInGroup(int port, string topic, string group, int count)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = $"127.0.0.1:{port}",
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            SessionTimeoutMs = 6000,
        };
        using var consumer = new ConsumerBuilder<Ignore, string>(config).Build();
        consumer.Subscribe(topic);
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (values.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                values.Add(result.Message.Value);
            }
        }
        consumer.Commit();
        consumer.Close();
        return values;
    }

    private static IConsumer<Ignore, string> Member(BrokerFixture fixture, string name, PartitionAssignmentStrategy strategy, ConcurrentDictionary<string, List<int>> assignments)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = fixture.BootstrapServers,
            GroupId = "sharers",
            ClientId = name,
            SessionTimeoutMs = 6000,
            HeartbeatIntervalMs = 500,
            PartitionAssignmentStrategy = strategy,
        };
        // Eager assignors hand out whole assignments; cooperative-sticky adds and revokes increments.
        bool incremental = strategy == PartitionAssignmentStrategy.CooperativeSticky;
        var consumer = new ConsumerBuilder<Ignore, string>(config)
            .SetPartitionsAssignedHandler((_, partitions) => assignments.AddOrUpdate(
                name,
                _ => partitions.Select(p => p.Partition.Value).ToList(),
                (_, held) => (incremental ? held : []).Concat(partitions.Select(p => p.Partition.Value)).Distinct().ToList()))
            .SetPartitionsRevokedHandler((_, partitions) => assignments.AddOrUpdate(
                name,
                _ => [],
                (_, held) => incremental ? held.Except(partitions.Select(p => p.Partition.Value)).ToList() : []))
            .Build();
        consumer.Subscribe("events");
        return consumer;
    }

    private static bool Poll(IEnumerable<IConsumer<Ignore, string>> consumers)
    {
        foreach (var consumer in consumers)
        {
            consumer.Consume(TimeSpan.FromMilliseconds(50));
        }
        return true;
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "not within 60 s");
            await Task.Delay(50);
        }
    }
}
