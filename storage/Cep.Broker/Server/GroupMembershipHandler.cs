using Cep.Broker.Groups;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Server;

/// <summary>
/// FindCoordinator, JoinGroup, SyncGroup, Heartbeat and LeaveGroup, adapted to the
/// <see cref="GroupCoordinator"/>: this broker coordinates every group. JoinGroup before v1 has no
/// rebalance timeout (the session timeout serves), v4+ makes a new member come back with the id
/// it is given (MEMBER_ID_REQUIRED); LeaveGroup v3+ names several members.
/// </summary>
public static class GroupMembershipHandler
{
    private const sbyte GroupKeyType = 0;

    public static void Register(ApiRegistry registry, BrokerContext broker, GroupCoordinator groups)
    {
        registry.Add<FindCoordinatorRequest>((request, _) => request.KeyType == GroupKeyType
            ? new FindCoordinatorResponse { NodeId = broker.NodeId, Host = broker.Host, Port = broker.Port }
            : new FindCoordinatorResponse { ErrorCode = (short)ErrorCode.InvalidRequest, ErrorMessage = "transactions are not supported", NodeId = -1, Host = "", Port = -1 });
        registry.Add<JoinGroupRequest>(async (request, header) =>
        {
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
            var assignments = request.Assignments.GroupBy(a => a.MemberId).ToDictionary(a => a.Key, a => a.Last().Assignment, StringComparer.Ordinal);
            var result = await groups.SyncAsync(request.GroupId, request.MemberId, request.GenerationId, assignments).ConfigureAwait(false);
            return new SyncGroupResponse { ErrorCode = (short)result.Error, Assignment = result.Assignment };
        });
        registry.Add<HeartbeatRequest>((request, _) => new HeartbeatResponse { ErrorCode = (short)groups.Heartbeat(request.GroupId, request.MemberId, request.GenerationId) });
        registry.Add<LeaveGroupRequest>((request, header) =>
        {
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
