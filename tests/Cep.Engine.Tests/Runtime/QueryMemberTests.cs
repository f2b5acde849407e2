using System.Collections.Concurrent;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Storage.Topics;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cep.Engine.Tests.Runtime;

/// <summary>A query member's reaction to its group: being dropped by the coordinator.</summary>
public sealed class QueryMemberTests
{
    [Fact]
    public async Task A_member_the_group_dropped_releases_its_tasks_and_joins_again_as_a_new_member()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("in", 2);
        store.CreateTopic("out", 2);
        var membership = new DroppingMembership();
        var worker = new QueryWorker("copy", query => query.Topic("in", Serde.Utf8String).To("out", Serde.Utf8String), new EmbeddedTopicLog(store),
            new QueryOptions { StateDirectory = directory.Combine("state") });
        var member = new QueryMember(worker, "copy", membership, NullLogger.Instance) { HeartbeatInterval = TimeSpan.FromMilliseconds(20), RejoinBackoff = TimeSpan.Zero };
        using var stop = new CancellationTokenSource();
        var running = member.RunAsync(stop.Token);

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (membership.Joins.Count < 2 || worker.Running.Count < 2)
        {
            Assert.True(DateTime.UtcNow < deadline, "not within 30 s");
            await Task.Delay(20);
        }
        Assert.Equal(["", ""], membership.Joins.Take(2)); // the second join is as a new member
        Assert.Equal((2, 2), (worker.StartCount(0), worker.StartCount(1))); // released, then started again
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    /// <summary>One member alone in its group, given both tasks; the coordinator drops it (unknown member) at its third heartbeat.</summary>
    private sealed class DroppingMembership : IGroupMembership
    {
        private int _heartbeats;
        private int _generation;

        public ConcurrentQueue<string> Joins { get; } = new();

        public Task<GroupJoin> JoinAsync(string groupId, string memberId, byte[] metadata, CancellationToken cancellationToken)
        {
            Joins.Enqueue(memberId);
            string id = $"member-{Joins.Count}";
            return Task.FromResult(new GroupJoin(id, ++_generation, id, [KeyValuePair.Create(id, metadata)]));
        }

        public Task<byte[]> SyncAsync(string groupId, string memberId, int generation, IReadOnlyDictionary<string, byte[]> assignments, CancellationToken cancellationToken) =>
            Task.FromResult(assignments[memberId]);

        public Task<bool> HeartbeatAsync(string groupId, string memberId, int generation, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _heartbeats) == 3 ? throw new GroupRejoinException("heartbeat: UnknownMemberId", resetMemberId: true) : Task.FromResult(true);

        public Task LeaveAsync(string groupId, string memberId) => Task.CompletedTask;
    }
}
