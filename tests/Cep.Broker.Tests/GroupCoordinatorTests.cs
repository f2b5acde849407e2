using Cep.Broker.Groups;
using Cep.Broker.Protocol;
using Cep.Storage.Topics;

namespace Cep.Broker.Tests;

/// <summary>The coordinator's classic-protocol semantics, called in-process (as the engine will).</summary>
public sealed class GroupCoordinatorTests
{
    private static readonly GroupCoordinatorOptions FastTicks = new() { TickInterval = TimeSpan.FromMilliseconds(20) };

    [Fact]
    public async Task A_new_member_gets_an_id_then_joins_as_leader_of_generation_one_and_syncs_its_own_assignment()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        await using var groups = new GroupCoordinator(store, FastTicks);

        var first = await groups.JoinAsync(Join("g", ""));
        Assert.Equal(ErrorCode.MemberIdRequired, first.Error);
        Assert.StartsWith("client-", first.MemberId);

        var joined = await groups.JoinAsync(Join("g", first.MemberId));
        Assert.Equal((ErrorCode.None, 1, "range", first.MemberId), (joined.Error, joined.GenerationId, joined.ProtocolName, joined.LeaderId));
        Assert.Equal([first.MemberId], joined.Members.Select(m => m.MemberId));

        var synced = await groups.SyncAsync("g", first.MemberId, 1, new Dictionary<string, byte[]> { [first.MemberId] = [1, 2, 3] });
        Assert.Equal(ErrorCode.None, synced.Error);
        Assert.Equal([1, 2, 3], synced.Assignment);
        Assert.Equal(GroupState.Stable, groups.Describe("g").State);
        Assert.Equal(ErrorCode.None, groups.Heartbeat("g", first.MemberId, 1));
        Assert.Equal(ErrorCode.IllegalGeneration, groups.Heartbeat("g", first.MemberId, 2));
        Assert.Equal(ErrorCode.UnknownMemberId, groups.Heartbeat("g", "stranger", 1));
    }

    [Fact]
    public async Task The_offsets_of_a_group_without_members_expire_after_the_retention_and_others_stay()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("t", 1);
        await using var groups = new GroupCoordinator(store, FastTicks with { OffsetsRetention = TimeSpan.FromMilliseconds(300) });
        Assert.Equal(ErrorCode.None, await groups.CommitAsync("idle", "", -1, [("t", 0, new CommittedOffset(5, -1, null, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))]));
        var member = await groups.JoinAsync(Join("busy", "") with { RequireKnownMemberId = false });
        // Between the join and the leader's sync a commit is refused: the assignment is not known yet.
        Assert.Equal(ErrorCode.RebalanceInProgress, await groups.CommitAsync("busy", member.MemberId, member.GenerationId, [("t", 0, new CommittedOffset(7, -1, "m", 0))]));
        Assert.Equal(ErrorCode.None, (await groups.SyncAsync("busy", member.MemberId, member.GenerationId, new Dictionary<string, byte[]>())).Error);
        Assert.Equal(ErrorCode.None, await groups.CommitAsync("busy", member.MemberId, member.GenerationId, [("t", 0, new CommittedOffset(7, -1, "m", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()))]));
        Assert.Equal(5, groups.Committed("idle", "t", 0)!.Offset);

        for (int i = 0; i < 50 && groups.Committed("idle", "t", 0) is not null; i++)
        {
            Assert.Equal(ErrorCode.None, groups.Heartbeat("busy", member.MemberId, member.GenerationId));
            await Task.Delay(100);
        }
        Assert.Null(groups.Committed("idle", "t", 0));
        Assert.Equal(("idle", GroupState.Dead), ("idle", groups.Describe("idle").State));
        // A group with a member keeps its offsets however old.
        Assert.Equal(7, groups.Committed("busy", "t", 0)!.Offset);
    }

    [Fact]
    public async Task A_member_that_stops_heartbeating_is_removed_and_the_others_rejoin_a_new_generation()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        await using var groups = new GroupCoordinator(store, FastTicks with { MinSessionTimeout = TimeSpan.FromMilliseconds(100) });
        // A's session is long (a slow test machine must not expire it); B's is short: it is the one that goes silent.
        var a = await groups.JoinAsync(Join("g", "") with { RequireKnownMemberId = false });
        Assert.Equal(1, a.GenerationId);
        var joiningB = groups.JoinAsync(Join("g", "", TimeSpan.FromMilliseconds(500)) with { RequireKnownMemberId = false });
        // B's join starts a rebalance; A learns it from its heartbeat and rejoins.
        Assert.Equal(ErrorCode.RebalanceInProgress, groups.Heartbeat("g", a.MemberId, 1));
        var rejoinedA = await groups.JoinAsync(Join("g", a.MemberId) with { RequireKnownMemberId = false });
        var b = await joiningB;
        Assert.Equal((2, 2, a.MemberId), (rejoinedA.GenerationId, b.GenerationId, rejoinedA.LeaderId));
        Assert.Equal(2, rejoinedA.Members.Count);
        Assert.Empty(b.Members);

        // Only A keeps heartbeating: B's session runs out, and A is told to rejoin alone.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        ErrorCode heartbeat;
        while ((heartbeat = groups.Heartbeat("g", a.MemberId, 2)) == ErrorCode.None)
        {
            Assert.True(DateTime.UtcNow < deadline, "B never expired");
            await Task.Delay(50);
        }
        Assert.Equal(ErrorCode.RebalanceInProgress, heartbeat);
        var alone = await groups.JoinAsync(Join("g", a.MemberId) with { RequireKnownMemberId = false });
        Assert.Equal((3, 1), (alone.GenerationId, alone.Members.Count));
        Assert.Equal(ErrorCode.UnknownMemberId, groups.Heartbeat("g", b.MemberId, 2));
    }

    private static JoinRequest Join(string group, string member, TimeSpan? session = null) => new(
        group, member, null, "client", "/127.0.0.1", session ?? TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), "consumer",
        [new GroupProtocol("range", [0]), new GroupProtocol("roundrobin", [1])], RequireKnownMemberId: true);
}
