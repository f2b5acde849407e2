namespace Cep.Broker.Groups;

/// <summary>A member as DescribeGroups reports it: ids, client, the metadata of the chosen protocol, its assignment (once stable). Immutable.</summary>
public sealed record GroupMemberDescription(string MemberId, string? GroupInstanceId, string ClientId, string ClientHost, byte[] Metadata, byte[] Assignment);
