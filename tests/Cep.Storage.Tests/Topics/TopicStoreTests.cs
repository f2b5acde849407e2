using System.Text;
using Cep.Storage.Log;
using Cep.Storage.Topics;

namespace Cep.Storage.Tests.Topics;

public sealed class TopicStoreTests
{
    [Fact]
    public async Task Topics_are_created_described_listed_and_survive_a_restart()
    {
        using var directory = new TempDirectory();
        using (var store = TopicStore.Open(directory.Path))
        {
            var created = store.CreateTopic("orders", 3, config: [new("retention.ms", "3600000"), new("cleanup.policy", "compact,delete")]);
            Assert.Equal(3, created.Partitions.Count);
            store.CreateTopic("alerts", 1);
            await store.GetPartition("orders", 2).AppendAsync(Batches.Of(("k", "v", 1)));
        }
        using var reopened = TopicStore.Open(directory.Path);
        Assert.Equal(["alerts", "orders"], reopened.ListTopics());
        var orders = reopened.Describe("orders");
        Assert.Equal(3600000L, orders.Config.RetentionMs);
        Assert.Equal(CleanupPolicy.Compact | CleanupPolicy.Delete, orders.Config.CleanupPolicy);
        Assert.Equal([0L, 0L, 1L], orders.Partitions.Select(p => p.LogEndOffset));
        Assert.True(Directory.Exists(Path.Combine(directory.Path, "topics", "orders", "2")));
        Assert.True(File.Exists(Path.Combine(directory.Path, "topics", "orders", "2", "00000000000000000000.log")));
    }

    [Theory]
    [InlineData("", "topic name is empty")]
    [InlineData("..", "topic name '..' is not allowed")]
    [InlineData("a b", "topic name 'a b' has ' ' at position 2")]
    [InlineData("orders/eu", "has '/' at position 7")]
    public void Names_follow_kafkas_rules(string name, string message)
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        var error = Assert.Throws<InvalidTopicException>(() => store.CreateTopic(name, 1));
        Assert.Contains(message, error.Message);
        Assert.Throws<InvalidTopicException>(() => store.CreateTopic(new string('x', 250), 1));
        store.CreateTopic(new string('x', 249), 1);
        store.CreateTopic("Orders.EU_v2-x", 1);
    }

    [Fact]
    public void Bad_requests_name_the_problem()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("orders", 2);
        Assert.Equal("topic 'orders' already exists", Assert.Throws<TopicExistsException>(() => store.CreateTopic("orders", 1)).Message);
        Assert.Contains("collides with existing topic 'orders.eu'", PrepareCollision(store).Message);
        Assert.Equal("topic 'nope' does not exist", Assert.Throws<UnknownTopicException>(() => store.Describe("nope")).Message);
        Assert.Equal("topic 'orders' has no partition 5; valid partitions are 0..1", Assert.Throws<UnknownTopicException>(() => store.GetPartition("orders", 5)).Message);
        Assert.Contains("replication factor 3 is not possible with 1 broker(s)", Assert.Throws<InvalidTopicException>(() => store.CreateTopic("r", 1, replicationFactor: 3)).Message);
        Assert.Contains("partition count must be at least 1", Assert.Throws<InvalidTopicException>(() => store.CreateTopic("z", 0)).Message);
        Assert.Contains("unknown topic config 'retention.hours'", Assert.Throws<InvalidConfigException>(() => store.CreateTopic("c", 1, config: [new("retention.hours", "1")])).Message);
        Assert.Equal("config 'segment.bytes' has value 'big'; expected an integer in [1024, 2147483647]",
            Assert.Throws<InvalidConfigException>(() => store.CreateTopic("c", 1, config: [new("segment.bytes", "big")])).Message);
        Assert.Contains("expected one of fsync, group, interval, os", Assert.Throws<InvalidConfigException>(() => store.CreateTopic("c", 1, config: [new("flush.policy", "sometimes")])).Message);
        Assert.Equal(["orders", "orders.eu"], store.ListTopics());
    }

    private static InvalidTopicException PrepareCollision(TopicStore store)
    {
        store.CreateTopic("orders.eu", 1);
        return Assert.Throws<InvalidTopicException>(() => store.CreateTopic("orders_eu", 1));
    }

    [Fact]
    public async Task Delete_removes_the_topic_and_its_files_and_the_name_can_be_reused()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("temp", 2);
        await store.GetPartition("temp", 0).AppendAsync(Batches.Values(1, "old"));
        store.DeleteTopic("temp");
        Assert.Empty(store.ListTopics());
        Assert.False(Directory.Exists(Path.Combine(directory.Path, "topics", "temp")));
        store.CreateTopic("temp", 1);
        Assert.Equal(0L, store.GetPartition("temp", 0).LogEndOffset);
        Assert.Throws<UnknownTopicException>(() => store.DeleteTopic("never"));
    }

    [Fact]
    public async Task Partitions_can_be_added_but_not_removed_and_configs_altered()
    {
        using var directory = new TempDirectory();
        using (var store = TopicStore.Open(directory.Path))
        {
            store.CreateTopic("t", 2);
            var grown = store.AddPartitions("t", 5);
            Assert.Equal(5, grown.Partitions.Count);
            Assert.Contains("new count must be larger", Assert.Throws<InvalidTopicException>(() => store.AddPartitions("t", 3)).Message);
            store.AlterConfig("t", [new("max.message.bytes", "200")]);
            await Assert.ThrowsAsync<RecordTooLargeException>(() => store.GetPartition("t", 4).AppendAsync(Batches.Values(1, new string('x', 300))).AsTask());
        }
        using var reopened = TopicStore.Open(directory.Path);
        Assert.Equal(5, reopened.PartitionCount("t"));
        Assert.Equal(200, reopened.Describe("t").Config.MaxMessageBytes);
    }

    [Fact]
    public void A_second_process_cannot_open_the_same_data_directory()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        // A second open in this process stands in for a second process: the lock is per open file.
        var error = Assert.Throws<StorageException>(() => TopicStore.Open(directory.Path));
        Assert.Contains("is in use by another process", error.Message);
        Assert.Contains($"(pid {Environment.ProcessId})", error.Message);
    }

    [Fact]
    public void Keys_are_partitioned_with_murmur2_and_keyless_records_spread_round_robin()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("keys", 7);
        Assert.Equal(0, store.PartitionFor("keys", Encoding.UTF8.GetBytes("key-0"), keyIsNull: false));
        Assert.Equal(5, store.PartitionFor("keys", Encoding.UTF8.GetBytes("key-1"), keyIsNull: false));
        var spread = Enumerable.Range(0, 70).Select(_ => store.PartitionFor("keys", default, keyIsNull: true)).ToList();
        Assert.All(Enumerable.Range(0, 7), p => Assert.Equal(10, spread.Count(s => s == p)));
    }

    [Fact]
    public async Task Maintenance_applies_retention_and_compaction_per_topic()
    {
        using var directory = new TempDirectory();
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(10_000_000));
        using var store = TopicStore.Open(directory.Path, new PartitionLogOptions { Time = time });
        store.CreateTopic("expiring", 1, config: [new("retention.ms", "1000"), new("segment.bytes", "1024")]);
        store.CreateTopic("table", 1, config: [new("cleanup.policy", "compact"), new("segment.bytes", "1024")]);
        for (int i = 0; i < 50; i++)
        {
            await store.GetPartition("expiring", 0).AppendAsync(Batches.Of((null, $"e{i}-{new string('e', 40)}", 10_000_000)));
            await store.GetPartition("table", 0).AppendAsync(Batches.Of(($"k{i % 2}", $"t{i}-{new string('t', 40)}", 10_000_000)));
        }
        time.Advance(TimeSpan.FromSeconds(5));
        var (deleted, cleaned) = store.RunMaintenance();
        Assert.True(deleted > 0);
        Assert.True(cleaned > 0);
        Assert.Equal(50L, store.GetPartition("expiring", 0).LogStartOffset);
        Assert.True(Batches.ReadAll(store.GetPartition("table", 0)).Count < 50);
    }

    [Fact]
    public async Task A_reader_following_a_deleted_topic_stops_with_an_error_instead_of_spinning()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("gone", 1);
        var log = store.GetPartition("gone", 0);
        await log.AppendAsync(Batches.Values(1, "a"));
        var reader = new PartitionReader(log, 0);
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in reader.ReadAsync(follow: true))
            {
            }
        });
        await Task.Delay(100);
        store.DeleteTopic("gone");
        await Assert.ThrowsAsync<ObjectDisposedException>(() => reading.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1L, reader.Position);
    }

    [Fact]
    public async Task A_corrupt_batch_met_by_the_cleaner_is_reported_for_its_partition_and_the_others_are_still_maintained()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("table", 1, config: [new("cleanup.policy", "compact"), new("segment.bytes", "1024")]);
        store.CreateTopic("expiring", 1, config: [new("retention.bytes", "1"), new("segment.bytes", "1024")]);
        for (int i = 0; i < 40; i++)
        {
            await store.GetPartition("table", 0).AppendAsync(Batches.Of(($"k{i % 2}", $"t{i}-{new string('t', 40)}", i)));
            await store.GetPartition("expiring", 0).AppendAsync(Batches.Of((null, $"e{i}-{new string('e', 40)}", i)));
        }
        string sealedSegment = Directory.GetFiles(Path.Combine(directory.Path, "topics", "table", "0"), "*.log").Order().First();
        var bytes = File.ReadAllBytes(sealedSegment);
        bytes[100] ^= 0x01;
        File.WriteAllBytes(sealedSegment, bytes);

        var (deleted, _) = store.RunMaintenance();
        Assert.True(deleted > 0);
        var error = Assert.Single(store.MaintenanceErrors);
        Assert.StartsWith("table/0: corrupt record batch at base offset 0", error);
    }
}
