using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cep.Broker.Tests;

/// <summary>Confluent.Kafka's AdminClient (librdkafka) against the broker: create, grow, describe and delete topics, and the errors Kafka documents for each.</summary>
public sealed class AdminClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Created_topics_have_their_partitions_and_configs_and_a_second_create_is_refused()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var admin = Admin(fixture);

        await admin.CreateTopicsAsync(
        [
            new TopicSpecification { Name = "orders", NumPartitions = 3, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "60000" } },
            new TopicSpecification { Name = "payments", NumPartitions = 3, ReplicationFactor = 1 },
        ]);

        var metadata = admin.GetMetadata(Timeout);
        Assert.Equal(3, metadata.Topics.Single(t => t.Topic == "orders").Partitions.Count);
        Assert.Equal(3, metadata.Topics.Single(t => t.Topic == "payments").Partitions.Count);

        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = "orders" }]);
        var entries = Assert.Single(described).Entries;
        Assert.Equal("60000", entries["retention.ms"].Value);
        Assert.False(entries["retention.ms"].IsDefault);
        Assert.Equal(ConfigSource.DynamicTopicConfig, entries["retention.ms"].Source);
        Assert.Equal("delete", entries["cleanup.policy"].Value);
        Assert.True(entries["cleanup.policy"].IsDefault);
        Assert.Equal(ConfigSource.DefaultConfig, entries["cleanup.policy"].Source);

        var again = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = "orders", NumPartitions = 3, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, Assert.Single(again.Results).Error.Code);
    }

    [Fact]
    public async Task A_replication_factor_above_one_and_an_invalid_config_are_refused_and_create_nothing()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var admin = Admin(fixture);

        var replicated = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = "replicated", NumPartitions = 1, ReplicationFactor = 3 }]));
        Assert.Equal(ErrorCode.InvalidReplicationFactor, Assert.Single(replicated.Results).Error.Code);

        var badConfig = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync(
            [new TopicSpecification { Name = "bad-config", NumPartitions = 1, ReplicationFactor = 1, Configs = new() { ["retention.ms"] = "soon" } }]));
        var report = Assert.Single(badConfig.Results);
        Assert.Equal(ErrorCode.InvalidConfig, report.Error.Code);
        Assert.Contains("retention.ms", report.Error.Reason);

        Assert.Empty(fixture.Store.ListTopics());
    }

    [Fact]
    public async Task Validate_only_checks_the_request_and_creates_nothing()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var admin = Admin(fixture);
        var validateOnly = new CreateTopicsOptions { ValidateOnly = true };

        await admin.CreateTopicsAsync([new TopicSpecification { Name = "dry-run", NumPartitions = 2, ReplicationFactor = 1 }], validateOnly);
        var refused = await Assert.ThrowsAsync<CreateTopicsException>(() =>
            admin.CreateTopicsAsync([new TopicSpecification { Name = "dry-run", NumPartitions = 2, ReplicationFactor = 3 }], validateOnly));

        Assert.Equal(ErrorCode.InvalidReplicationFactor, Assert.Single(refused.Results).Error.Code);
        Assert.Empty(fixture.Store.ListTopics());
        Assert.DoesNotContain(admin.GetMetadata(Timeout).Topics, t => t.Topic == "dry-run");
    }

    [Fact]
    public async Task Partitions_grow_but_never_shrink()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var admin = Admin(fixture);
        await admin.CreateTopicsAsync([new TopicSpecification { Name = "events", NumPartitions = 3, ReplicationFactor = 1 }]);

        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "events", IncreaseTo = 5 }]);
        Assert.Equal(5, admin.GetMetadata(Timeout).Topics.Single(t => t.Topic == "events").Partitions.Count);

        var shrink = await Assert.ThrowsAsync<CreatePartitionsException>(() =>
            admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "events", IncreaseTo = 2 }]));
        Assert.Equal(ErrorCode.InvalidPartitions, Assert.Single(shrink.Results).Error.Code);
        Assert.Equal(5, fixture.Store.PartitionCount("events"));
    }

    [Fact]
    public async Task Deleted_topics_are_gone_and_unknown_ones_are_reported()
    {
        await using var fixture = await BrokerFixture.StartAsync();
        using var admin = Admin(fixture);
        await admin.CreateTopicsAsync(
        [
            new TopicSpecification { Name = "short-lived", NumPartitions = 2, ReplicationFactor = 1 },
            new TopicSpecification { Name = "kept", NumPartitions = 1, ReplicationFactor = 1 },
        ]);

        await admin.DeleteTopicsAsync(["short-lived"]);
        Assert.Equal(["kept"], fixture.Store.ListTopics());
        Assert.Equal(["kept"], admin.GetMetadata(Timeout).Topics.Select(t => t.Topic));
        var describeDeleted = await Assert.ThrowsAsync<DescribeConfigsException>(() =>
            admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = "short-lived" }]));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, Assert.Single(describeDeleted.Results).Error.Code);

        var unknown = await Assert.ThrowsAsync<DeleteTopicsException>(() => admin.DeleteTopicsAsync(["never-was"]));
        Assert.Equal(ErrorCode.UnknownTopicOrPart, Assert.Single(unknown.Results).Error.Code);
    }

    private static IAdminClient Admin(BrokerFixture fixture) =>
        new AdminClientBuilder(new AdminClientConfig { BootstrapServers = fixture.BootstrapServers }).Build();
}
