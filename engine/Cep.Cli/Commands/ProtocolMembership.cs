using Cep.Broker.Client;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Engine.Runtime;

namespace Cep.Cli.Commands;

/// <summary>
/// The engine's group membership over the Kafka protocol, for workers in another process than
/// the coordinator (a daemon joining another's groups): FindCoordinator on the bootstrap broker,
/// then JoinGroup v5 (answering MEMBER_ID_REQUIRED), SyncGroup v3, Heartbeat v3 and LeaveGroup v3
/// on the coordinator, with the same protocol type and timeouts as <see cref="CoordinatorMembership"/>.
/// Thread-safe; dispose to close its connections.
/// </summary>
internal sealed class ProtocolMembership(string host, int port, string clientId) : IGroupMembership, IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, KafkaConnection> _coordinators = new(StringComparer.Ordinal);

    public TimeSpan SessionTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RebalanceTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<GroupJoin> JoinAsync(string groupId, string memberId, byte[] metadata, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await OnCoordinatorAsync(groupId, c => c.SendAsync<JoinGroupRequest, JoinGroupResponse>(new JoinGroupRequest
            {
                GroupId = groupId,
                SessionTimeoutMs = (int)SessionTimeout.TotalMilliseconds,
                RebalanceTimeoutMs = (int)RebalanceTimeout.TotalMilliseconds,
                MemberId = memberId,
                ProtocolType = CoordinatorMembership.ProtocolType,
                Protocols = [new() { Name = CoordinatorMembership.Protocol, Metadata = metadata }],
            }, 5, cancellationToken), cancellationToken);
            switch ((ErrorCode)response.ErrorCode)
            {
                case ErrorCode.MemberIdRequired:
                    memberId = response.MemberId; // join again under the id the coordinator gave
                    continue;
                case ErrorCode.None:
                    return new GroupJoin(response.MemberId, response.GenerationId, response.Leader, response.Members.Select(m => KeyValuePair.Create(m.MemberId, m.Metadata)).ToList());
                default:
                    throw CoordinatorMembership.Rejoin("join", (ErrorCode)response.ErrorCode);
            }
        }
    }

    public async Task<byte[]> SyncAsync(string groupId, string memberId, int generation, IReadOnlyDictionary<string, byte[]> assignments, CancellationToken cancellationToken)
    {
        var response = await OnCoordinatorAsync(groupId, c => c.SendAsync<SyncGroupRequest, SyncGroupResponse>(new SyncGroupRequest
        {
            GroupId = groupId,
            GenerationId = generation,
            MemberId = memberId,
            Assignments = assignments.Select(a => new SyncGroupRequest.SyncGroupRequestAssignment { MemberId = a.Key, Assignment = a.Value }).ToList(),
        }, 3, cancellationToken), cancellationToken);
        return response.ErrorCode == 0 ? response.Assignment : throw CoordinatorMembership.Rejoin("sync", (ErrorCode)response.ErrorCode);
    }

    public async Task<bool> HeartbeatAsync(string groupId, string memberId, int generation, CancellationToken cancellationToken)
    {
        var response = await OnCoordinatorAsync(groupId, c => c.SendAsync<HeartbeatRequest, HeartbeatResponse>(
            new HeartbeatRequest { GroupId = groupId, GenerationId = generation, MemberId = memberId }, 3, cancellationToken), cancellationToken);
        return (ErrorCode)response.ErrorCode switch
        {
            ErrorCode.None => true,
            ErrorCode.RebalanceInProgress => false,
            var error => throw CoordinatorMembership.Rejoin("heartbeat", error),
        };
    }

    public async Task LeaveAsync(string groupId, string memberId)
    {
        try
        {
            await OnCoordinatorAsync(groupId, c => c.SendAsync<LeaveGroupRequest, LeaveGroupResponse>(
                new LeaveGroupRequest { GroupId = groupId, Members = [new() { MemberId = memberId }] }, 3, CancellationToken.None), CancellationToken.None);
        }
        catch (GroupRejoinException)
        {
            // The coordinator is gone: the session timeout removes this member anyway.
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _coordinators.Values.Distinct())
        {
            await connection.DisposeAsync();
        }
        _connecting.Dispose();
    }

    /// <summary>
    /// Runs <paramref name="call"/> on the group's coordinator. A connection that broke is
    /// dropped and the member is told to rejoin, so a coordinator that comes back (or moves) is
    /// found again; meanwhile the member's tasks keep running.
    /// </summary>
    private async Task<T> OnCoordinatorAsync<T>(string groupId, Func<KafkaConnection, Task<T>> call, CancellationToken cancellationToken)
    {
        KafkaConnection? coordinator = null;
        try
        {
            coordinator = await CoordinatorAsync(groupId, cancellationToken);
            return await call(coordinator);
        }
        catch (IOException e)
        {
            if (coordinator is not null)
            {
                _coordinators.TryRemove(groupId, out _);
                await coordinator.DisposeAsync();
            }
            throw new GroupRejoinException($"the coordinator of group '{groupId}' is unreachable ({e.Message})", resetMemberId: false);
        }
    }

    /// <summary>The group's coordinator connection, found through the bootstrap broker once; a broken one is found again.</summary>
    private async Task<KafkaConnection> CoordinatorAsync(string groupId, CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_coordinators.TryGetValue(groupId, out var known))
            {
                return known;
            }
            await using var bootstrap = await KafkaConnection.ConnectAsync(host, port, clientId, cancellationToken);
            var found = await bootstrap.SendAsync<FindCoordinatorRequest, FindCoordinatorResponse>(new FindCoordinatorRequest { Key = groupId, KeyType = 0 }, 2, cancellationToken);
            if (found.ErrorCode != 0)
            {
                throw new IOException($"no coordinator for group '{groupId}' at {host}:{port}: {(ErrorCode)found.ErrorCode}");
            }
            var coordinator = await KafkaConnection.ConnectAsync(found.Host, found.Port, clientId, cancellationToken);
            _coordinators[groupId] = coordinator;
            return coordinator;
        }
        finally
        {
            _connecting.Release();
        }
    }

}
