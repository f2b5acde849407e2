namespace Cep.Broker.Groups;

/// <summary>A group as DescribeGroups reports it: state, protocol type and chosen protocol, members. Immutable.</summary>
public sealed record GroupDescription(string GroupId, GroupState State, string ProtocolType, string ProtocolName, IReadOnlyList<GroupMemberDescription> Members);
