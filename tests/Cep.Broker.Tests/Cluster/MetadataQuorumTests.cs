using System.Net;
using Cep.Broker.Cluster;
using Cep.Broker.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cep.Broker.Tests.Cluster;

/// <summary>
/// Three quorum members on loopback: one leads and appends, every member applies the same
/// entries; when the leader stops another is elected and appends go on; a member restarted
/// from its directory catches up; a follower refuses to append, naming the leader.
/// </summary>
public sealed class MetadataQuorumTests
{
    private static readonly Guid Disk = Guid.Parse("00000000-0000-0000-0000-00000000000a");

    [Fact]
    public async Task Members_apply_the_same_log_and_a_new_leader_takes_over_when_one_stops()
    {
        using var directory = new TempDirectory();
        var voters = Enumerable.Range(1, 3).ToDictionary(id => id, _ => new IPEndPoint(IPAddress.Loopback, TestCluster.FreePort()));
        QuorumOptions Options(int id) => new() { NodeId = id, Voters = voters, Directory = directory.Combine($"node-{id}"), ElectionTimeout = TimeSpan.FromMilliseconds(1000) }; // long enough that a loaded machine does not elect anew on its own
        var members = new Dictionary<int, MetadataQuorum>();
        try
        {
            foreach (int id in voters.Keys)
            {
                members[id] = await MetadataQuorum.StartAsync(Options(id), NullLoggerFactory.Instance, CancellationToken.None);
            }
            var leader = await LeaderAsync(members.Values);
            Assert.All(members.Values, m => Assert.Equal(leader.NodeId, m.LeaderId));
            await leader.AppendAsync(image => [new RegisterBrokerRecord(leader.NodeId, "127.0.0.1", 9092, 1, Disk)], CancellationToken.None);
            var created = await leader.AppendAsync(image => [new TopicRecord("orders", Disk, new Dictionary<string, string>())], CancellationToken.None);
            Assert.True(created.Topics.ContainsKey("orders"));
            await Eventually(() => members.Values.All(m => m.Image.Offset == created.Offset));
            Assert.All(members.Values, m => Assert.Equal(["orders"], m.Image.Topics.Keys));

            var follower = members.Values.First(m => m != leader);
            var refused = await Assert.ThrowsAsync<ControllerException>(() => follower.AppendAsync(_ => [new RemoveTopicRecord("orders")], CancellationToken.None));
            Assert.Equal(ErrorCode.NotController, refused.Code);
            Assert.Equal($"node {follower.NodeId} is not the active controller; node {leader.NodeId} is", refused.Message);

            // The leader stops: the two others elect one of themselves and go on appending.
            int stopped = leader.NodeId;
            await leader.DisposeAsync();
            members.Remove(stopped);
            var next = await LeaderAsync(members.Values);
            Assert.NotEqual(stopped, next.NodeId);
            var after = await next.AppendAsync(_ => [new TopicRecord("payments", Disk, new Dictionary<string, string>())], CancellationToken.None);
            Assert.Equal(["orders", "payments"], after.Topics.Keys);

            // The stopped member comes back from its directory and catches up.
            members[stopped] = await MetadataQuorum.StartAsync(Options(stopped), NullLoggerFactory.Instance, CancellationToken.None);
            await Eventually(() => members[stopped].Image.Offset >= after.Offset);
            Assert.Equal(["orders", "payments"], members[stopped].Image.Topics.Keys);
            Assert.Equal(next.NodeId, members[stopped].LeaderId);
        }
        finally
        {
            foreach (var member in members.Values)
            {
                await member.DisposeAsync();
            }
        }
    }

    private static async Task<MetadataQuorum> LeaderAsync(IEnumerable<MetadataQuorum> members)
    {
        MetadataQuorum? leader = null;
        await Eventually(() => (leader = members.FirstOrDefault(m => m.IsLeader)) is not null && members.All(m => m.LeaderId == leader.NodeId));
        return leader!;
    }

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the quorum did not get there within 30 s");
            await Task.Delay(20);
        }
    }
}
