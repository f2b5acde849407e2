using Cep.Broker.Groups;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Server;

/// <summary>DescribeGroups, ListGroups and DeleteGroups over the <see cref="GroupCoordinator"/> (on a cluster node that does not coordinate the groups: NOT_COORDINATOR, and an empty list).</summary>
public static class GroupAdminHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker, GroupCoordinator groups)
    {
        registry.Add<DescribeGroupsRequest>((request, _) => !broker.CoordinatesGroups
            ? new DescribeGroupsResponse { Groups = request.Groups.Select(g => new DescribeGroupsResponse.DescribedGroup { GroupId = g, ErrorCode = (short)ErrorCode.NotCoordinator, GroupState = "", ProtocolType = "", ProtocolData = "" }).ToList() }
            : new DescribeGroupsResponse
            {
                Groups = request.Groups.Select(groups.Describe).Select(g => new DescribeGroupsResponse.DescribedGroup
                {
                    GroupId = g.GroupId,
                    GroupState = g.State.ToString(),
                    ProtocolType = g.ProtocolType,
                    ProtocolData = g.ProtocolName,
                    Members = g.Members.Select(m => new DescribeGroupsResponse.DescribedGroupMember
                    {
                        MemberId = m.MemberId,
                        GroupInstanceId = m.GroupInstanceId,
                        ClientId = m.ClientId,
                        ClientHost = m.ClientHost,
                        MemberMetadata = m.Metadata,
                        MemberAssignment = m.Assignment,
                    }).ToList(),
                }).ToList(),
            });
        // Clients ask every broker; only the coordinator has groups to list.
        registry.Add<ListGroupsRequest>((_, _) => new ListGroupsResponse
        {
            Groups = !broker.CoordinatesGroups ? [] : groups.List().Select(g => new ListGroupsResponse.ListedGroup { GroupId = g.GroupId, ProtocolType = g.ProtocolType }).ToList(),
        });
        registry.Add<DeleteGroupsRequest>(async (request, _) =>
        {
            var results = new List<DeleteGroupsResponse.DeletableGroupResult>();
            foreach (string group in request.GroupsNames)
            {
                var code = broker.CoordinatesGroups ? await groups.DeleteAsync(group).ConfigureAwait(false) : ErrorCode.NotCoordinator;
                results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = group, ErrorCode = (short)code });
            }
            return new DeleteGroupsResponse { Results = results };
        });
    }
}
