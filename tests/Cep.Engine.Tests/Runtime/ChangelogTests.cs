using System.Collections.Concurrent;
using Cep.Engine.Runtime;
using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Engine.Tests.Runtime;

/// <summary>State carried by a changelog topic: a task restored on another machine (an empty state directory), unfinished checkpoints, zombies, resets.</summary>
public sealed class ChangelogTests
{
    [Fact]
    public async Task A_task_restored_from_the_changelog_alone_resumes_where_it_stopped_and_the_output_equals_an_uninterrupted_run()
    {
        using var directory = new TempDirectory();
        using var store = await CheckpointTests.OrdersStore(directory);
        store.CreateTopic("expected", 2);
        store.CreateTopic("out", 2);
        var log = new EmbeddedTopicLog(store);
        await QueryRunner.RunAsync("reference", CheckpointTests.SpendQuery("expected", _ => { }), log, new QueryOptions { StopAtEnd = true });

        var machineA = new QueryOptions { StopAtEnd = true, StateDirectory = directory.Combine("a"), CheckpointInterval = TimeSpan.Zero, MaxRecordsPerIteration = 100, Changelog = true };
        await Assert.ThrowsAsync<QueryFailedException>(() => QueryRunner.RunAsync("spend", CheckpointTests.SpendQuery("out", CheckpointTests.FailAt(2000)), log, machineA));
        Assert.Equal(CleanupPolicy.Compact, store.Describe("spend-changelog").Config.CleanupPolicy);

        // Machine B has no local state: everything it knows comes from the changelog.
        var seen = new ConcurrentDictionary<CheckpointTests.Order, bool>(); // the query's branches each see an order: count distinct ones
        await QueryRunner.RunAsync("spend", CheckpointTests.SpendQuery("out", o => seen[o] = true), log, machineA with { StateDirectory = directory.Combine("b") });
        Assert.InRange(seen.Count, 1001, 2999); // neither from offset zero nor nothing

        var expected = TopicData.Consume(store, "expected").Select(r => (r.Key, r.Value, r.Timestamp)).ToList();
        Assert.Equal(expected, TopicData.Consume(store, "out").Select(r => (r.Key, r.Value, r.Timestamp)));
    }

    [Fact]
    public async Task Records_of_a_checkpoint_that_never_finished_are_not_restored_and_are_restated_by_the_next_checkpoint()
    {
        using var directory = new TempDirectory();
        using var store = await CheckpointTests.OrdersStore(directory);
        store.CreateTopic("expected", 2);
        store.CreateTopic("out", 2);
        var log = new EmbeddedTopicLog(store);
        await QueryRunner.RunAsync("reference", CheckpointTests.SpendQuery("expected", _ => { }), log, new QueryOptions { StopAtEnd = true });
        var options = new QueryOptions { StopAtEnd = true, StateDirectory = directory.Combine("a"), CheckpointInterval = TimeSpan.Zero, MaxRecordsPerIteration = 100, Changelog = true };
        await Assert.ThrowsAsync<QueryFailedException>(() => QueryRunner.RunAsync("spend", CheckpointTests.SpendQuery("out", CheckpointTests.FailAt(2000)), log, options));

        // A crash in the middle of a checkpoint: every state key of both tasks appended again with garbage, no marker after it.
        for (int partition = 0; partition < 2; partition++)
        {
            var keys = TopicData.Consume(store, "spend-changelog").Count == 0 ? [] : ChangelogKeys(store, partition);
            var builder = new RecordBatchBuilder();
            foreach (byte[] key in keys)
            {
                builder.Add(0, key, "garbage"u8.ToArray());
            }
            await store.GetPartition("spend-changelog", partition).AppendAsync(builder.Build());
        }

        await QueryRunner.RunAsync("spend", CheckpointTests.SpendQuery("out", _ => { }), log, options with { StateDirectory = directory.Combine("b") });
        var expected = TopicData.Consume(store, "expected").Select(r => (r.Key, r.Value, r.Timestamp)).ToList();
        Assert.Equal(expected, TopicData.Consume(store, "out").Select(r => (r.Key, r.Value, r.Timestamp)));

        // A third machine restores the finished state from the changelog (garbage restated): nothing is left to do, nothing is written.
        int seen = 0;
        await QueryRunner.RunAsync("spend", CheckpointTests.SpendQuery("out", _ => Interlocked.Increment(ref seen)), log, options with { StateDirectory = directory.Combine("c") });
        Assert.Equal(0, seen);
        Assert.Equal(expected.Count, TopicData.Consume(store, "out").Count);
    }

    [Fact]
    public async Task A_member_whose_task_was_taken_over_is_fenced_at_its_next_checkpoint_and_stops_only_that_task()
    {
        using var directory = new TempDirectory();
        using var store = await CheckpointTests.OrdersStore(directory);
        store.CreateTopic("out", 2);
        var log = new EmbeddedTopicLog(store);
        var options = new QueryOptions { StateDirectory = directory.Combine("a"), CheckpointInterval = TimeSpan.FromMilliseconds(50), Changelog = true };
        await using var zombie = new QueryWorker("spend", CheckpointTests.SpendQuery("out", _ => { }), log, options);
        var zombieTask = zombie.Start(0);
        _ = zombie.Start(1);
        await WaitUntil(() => store.ListTopics().Contains("spend-changelog") && store.GetPartition("spend-changelog", 0).HighWatermark > 2);

        await using var successor = new QueryWorker("spend", CheckpointTests.SpendQuery("out", _ => { }), log, options with { StateDirectory = directory.Combine("b") });
        _ = successor.Start(0);

        await zombieTask.WaitAsync(TimeSpan.FromSeconds(30)); // fenced: task 0 ended there
        Assert.Equal([1], zombie.Running);
        Assert.False(zombie.Failed.IsCompleted);
        Assert.Equal([0], successor.Running);
    }

    [Fact]
    public async Task After_a_reset_a_task_starts_from_empty_state_even_where_the_changelog_held_some()
    {
        using var directory = new TempDirectory();
        using var store = await CheckpointTests.OrdersStore(directory);
        store.CreateTopic("out", 2);
        var log = new EmbeddedTopicLog(store);
        var options = new QueryOptions { StopAtEnd = true, StateDirectory = directory.Combine("a"), Changelog = true };
        await QueryRunner.RunAsync("spend", CheckpointTests.SpendQuery("out", _ => { }), log, options);

        await QueryRunner.ResetChangelogAsync(log, "spend");
        var seen = new ConcurrentDictionary<CheckpointTests.Order, bool>();
        await QueryRunner.RunAsync("spend", CheckpointTests.SpendQuery("out", o => seen[o] = true), log, options with { StateDirectory = directory.Combine("b") });
        Assert.Equal(3000, seen.Count);

        // And the state the reset voided is restated as deleted: a third machine restores only the second run's state.
        int third = 0;
        await QueryRunner.RunAsync("spend", CheckpointTests.SpendQuery("out", _ => Interlocked.Increment(ref third)), log, options with { StateDirectory = directory.Combine("c") });
        Assert.Equal(0, third);
    }

    private static List<byte[]> ChangelogKeys(TopicStore store, int partition)
    {
        var keys = new List<byte[]>();
        var buffer = new byte[4 << 20];
        var log = store.GetPartition("spend-changelog", partition);
        foreach (var batch in RecordBatch.ReadAll(log.Read(0, buffer).Records))
        {
            foreach (var record in batch)
            {
                if (record.Key is { } key && key.Span[0] != 0)
                {
                    keys.Add(key.ToArray());
                }
            }
        }
        return keys.Distinct(new KeyComparer()).ToList();
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(20);
        }
    }

    private sealed class KeyComparer : IEqualityComparer<byte[]>
    {
        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] bytes) => bytes.Length == 0 ? 0 : bytes[^1] + (bytes.Length << 8);
    }
}
