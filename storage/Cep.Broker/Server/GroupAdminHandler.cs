using Cep.Broker.Groups;
using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Server;

/// <summary>DescribeGroups, ListGroups and DeleteGroups over the <see cref="GroupCoordinator"/>.</summary>
public static class GroupAdminHandler
{
    public static void Register(ApiRegistry registry, GroupCoordinator groups)
    {
        registry.Add<DescribeGroupsRequest>((request, _) => new DescribeGroupsResponse
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
        registry.Add<ListGroupsRequest>((_, _) => new ListGroupsResponse
        {
            Groups = groups.List().Select(g => new ListGroupsResponse.ListedGroup { GroupId = g.GroupId, ProtocolType = g.ProtocolType }).ToList(),
        });
        registry.Add<DeleteGroupsRequest>(async (request, _) =>
        {
            var results = new List<DeleteGroupsResponse.DeletableGroupResult>();
            foreach (string group in request.GroupsNames)
            {
                results.Add(new DeleteGroupsResponse.DeletableGroupResult { GroupId = group, ErrorCode = (short)await groups.DeleteAsync(group).ConfigureAwait(false) });
            }
            return new DeleteGroupsResponse { Results = results };
        });
    }
}
