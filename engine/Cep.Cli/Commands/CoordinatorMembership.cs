using Cep.Broker.Groups;
using Cep.Broker.Protocol;
using Cep.Engine.Runtime;

namespace Cep.Cli.Commands;

/// <summary>
/// The engine's group membership wired to the broker's coordinator in this process: query
/// workers join their query's group (protocol type <c>cep-query</c>) like Kafka consumers join
/// theirs, without the network. Errors that mean "join again" become <see cref="GroupRejoinException"/>.
/// Thread-safe.
/// </summary>
internal sealed class CoordinatorMembership(GroupCoordinator coordinator, string clientId) : IGroupMembership
{
    public const string ProtocolType = "cep-query";
    public const string Protocol = "cooperative-sticky-tasks";

    /// <summary>How long the coordinator waits for a silent member (a released task checkpoints within it).</summary>
    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a rebalance waits for every member to rejoin.</summary>
    public TimeSpan RebalanceTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<GroupJoin> JoinAsync(string groupId, string memberId, byte[] metadata, CancellationToken cancellationToken)
    {
        var request = new JoinRequest(groupId, memberId, null, clientId, "", SessionTimeout, RebalanceTimeout, ProtocolType, [new GroupProtocol(Protocol, metadata)], RequireKnownMemberId: false);
        var result = await coordinator.JoinAsync(request).WaitAsync(cancellationToken);
        return result.Error == ErrorCode.None
            ? new GroupJoin(result.MemberId, result.GenerationId, result.LeaderId, result.Members.Select(m => KeyValuePair.Create(m.MemberId, m.Metadata)).ToList())
            : throw Rejoin("join", result.Error);
    }

    public async Task<byte[]> SyncAsync(string groupId, string memberId, int generation, IReadOnlyDictionary<string, byte[]> assignments, CancellationToken cancellationToken)
    {
        var result = await coordinator.SyncAsync(groupId, memberId, generation, assignments).WaitAsync(cancellationToken);
        return result.Error == ErrorCode.None ? result.Assignment : throw Rejoin("sync", result.Error);
    }

    public Task<bool> HeartbeatAsync(string groupId, string memberId, int generation, CancellationToken cancellationToken) =>
        coordinator.Heartbeat(groupId, memberId, generation) switch
        {
            ErrorCode.None => Task.FromResult(true),
            ErrorCode.RebalanceInProgress => Task.FromResult(false),
            var error => throw Rejoin("heartbeat", error),
        };

    public Task LeaveAsync(string groupId, string memberId)
    {
        coordinator.Leave(groupId, [memberId]);
        return Task.CompletedTask;
    }

    /// <summary>The refusal that tells a member to join again (as a new member when the coordinator no longer knows it).</summary>
    public static GroupRejoinException Rejoin(string call, ErrorCode error) =>
        new($"{call}: {error}", resetMemberId: error is ErrorCode.UnknownMemberId);
}
