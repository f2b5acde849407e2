using Cep.Broker.Groups;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Server;

/// <summary>
/// FindCoordinator, JoinGroup, SyncGroup, Heartbeat and LeaveGroup, adapted to the
/// <see cref="GroupCoordinator"/>: a broker on its own coordinates every group; on a cluster node
/// FindCoordinator names the node that leads the offsets topic (asking the controller for the
/// topic first, COORDINATOR_NOT_AVAILABLE meanwhile), and the group requests on any other node
/// are NOT_COORDINATOR, so the client finds the coordinator again. JoinGroup before v1 has no
/// rebalance timeout (the session timeout serves), v4+ makes a new member come back with the id
/// it is given (MEMBER_ID_REQUIRED); LeaveGroup v3+ names several members.
/// </summary>
public static class GroupMembershipHandler
{
    private const sbyte GroupKeyType = 0;

    public static void Register(ApiRegistry registry, BrokerContext broker, GroupCoordinator groups)
    {
        registry.Add<FindCoordinatorRequest>(async (request, _) =>
        {
            if (request.KeyType != GroupKeyType)
            {
                return new FindCoordinatorResponse { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = "transactions are not supported", NodeId = -1, Host = "", Port = -1 };
            }
            if (broker.Cluster is not { } cluster)
            {
                return new FindCoordinatorResponse { NodeId = broker.NodeId, Host = broker.Host, Port = broker.Port };
            }
            if (cluster.GroupCoordinatorNode is { } coordinator)
            {
                return new FindCoordinatorResponse { NodeId = coordinator.NodeId, Host = coordinator.Host, Port = coordinator.Port };
            }
            await cluster.EnsureOffsetsTopicAsync().ConfigureAwait(false);
            return new FindCoordinatorResponse { ErrorCode = (short)ErrorCode.CoordinatorNotAvailable, ErrorMessage = "the offsets topic has no leader yet", NodeId = -1, Host = "", Port = -1 };
        });
        registry.Add<JoinGroupRequest>(async (request, header) =>
        {
            if (!broker.CoordinatesGroups)
            {
                return new JoinGroupResponse { ErrorCode = (short)ErrorCode.NotCoordinator, GenerationId = -1, MemberId = request.MemberId, Leader = "", ProtocolName = "" };
            }
            var result = await groups.JoinAsync(new JoinRequest(
                request.GroupId,
                request.MemberId,
                request.GroupInstanceId,
                header.ClientId ?? "",
                header.ClientHost,
                TimeSpan.FromMilliseconds(request.SessionTimeoutMs),
                TimeSpan.FromMilliseconds(header.ApiVersion >= 1 ? request.RebalanceTimeoutMs : request.SessionTimeoutMs),
                request.ProtocolType,
                request.Protocols.Select(p => new GroupProtocol(p.Name, p.Metadata)).ToList(),
                RequireKnownMemberId: header.ApiVersion >= 4)).ConfigureAwait(false);
            return new JoinGroupResponse
            {
                ErrorCode = (short)result.Error,
                GenerationId = result.GenerationId,
                ProtocolName = result.ProtocolName,
                Leader = result.LeaderId,
                MemberId = result.MemberId,
                Members = result.Members.Select(m => new JoinGroupResponse.JoinGroupResponseMember { MemberId = m.MemberId, GroupInstanceId = m.GroupInstanceId, Metadata = m.Metadata }).ToList(),
            };
        });
        registry.Add<SyncGroupRequest>(async (request, _) =>
        {
            if (!broker.CoordinatesGroups)
            {
                return new SyncGroupResponse { ErrorCode = (short)ErrorCode.NotCoordinator, Assignment = [] };
            }
            var assignments = request.Assignments.GroupBy(a => a.MemberId).ToDictionary(a => a.Key, a => a.Last().Assignment, StringComparer.Ordinal);
            var result = await groups.SyncAsync(request.GroupId, request.MemberId, request.GenerationId, assignments).ConfigureAwait(false);
            return new SyncGroupResponse { ErrorCode = (short)result.Error, Assignment = result.Assignment };
        });
        registry.Add<HeartbeatRequest>((request, _) => new HeartbeatResponse
        {
            ErrorCode = broker.CoordinatesGroups ? (short)groups.Heartbeat(request.GroupId, request.MemberId, request.GenerationId) : (short)ErrorCode.NotCoordinator,
        });
        registry.Add<LeaveGroupRequest>((request, header) =>
        {
            if (!broker.CoordinatesGroups)
            {
                return new LeaveGroupResponse { ErrorCode = (short)ErrorCode.NotCoordinator };
            }
            var members = header.ApiVersion >= 3 ? request.Members.Select(m => m.MemberId).ToList() : [request.MemberId];
            var results = groups.Leave(request.GroupId, members);
            return new LeaveGroupResponse
            {
                ErrorCode = header.ApiVersion >= 3 ? (short)ErrorCode.None : (short)results[0].Error,
                Members = results.Select(r => new LeaveGroupResponse.MemberResponse { MemberId = r.MemberId, ErrorCode = (short)r.Error }).ToList(),
            };
        });
    }
}
