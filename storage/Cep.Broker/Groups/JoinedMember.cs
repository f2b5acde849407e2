namespace Cep.Broker.Groups;

/// <summary>A member as the leader sees it in the join answer: id, static instance id, metadata of the chosen protocol. Immutable.</summary>
public sealed record JoinedMember(string MemberId, string? GroupInstanceId, byte[] Metadata);
