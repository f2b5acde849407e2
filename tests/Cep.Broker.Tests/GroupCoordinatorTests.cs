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

    private static JoinRequest Join(string group, string member, TimeSpan? session = null) => new(
        group, member, null, "client", "/127.0.0.1", session ?? TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(10), "consumer",
        [new GroupProtocol("range", [0]), new GroupProtocol("roundrobin", [1])], RequireKnownMemberId: true);
}
