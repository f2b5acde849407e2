namespace Cep.Broker.Groups;

/// <summary>
/// A member's JoinGroup: who it is (an empty <see cref="MemberId"/> for a new member), its
/// timeouts, and the protocols it can use with their metadata, in its order of preference.
/// <see cref="RequireKnownMemberId"/> (JoinGroup v4+) makes a new member first get its id back
/// with MEMBER_ID_REQUIRED and join again with it. Immutable.
/// </summary>
public sealed record JoinRequest(
    string GroupId,
    string MemberId,
    string? GroupInstanceId,
    string ClientId,
    string ClientHost,
    TimeSpan SessionTimeout,
    TimeSpan RebalanceTimeout,
    string ProtocolType,
    IReadOnlyList<GroupProtocol> Protocols,
    bool RequireKnownMemberId);
