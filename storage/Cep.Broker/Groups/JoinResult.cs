using Cep.Broker.Protocol;

namespace Cep.Broker.Groups;

/// <summary>
/// The answer to a join: the generation, the protocol chosen, the leader, the member's id, and —
/// for the leader only — every member with its metadata for that protocol, so it can assign. Immutable.
/// </summary>
public sealed record JoinResult(ErrorCode Error, int GenerationId, string ProtocolName, string LeaderId, string MemberId, IReadOnlyList<JoinedMember> Members)
{
    public static JoinResult Failed(ErrorCode error, string memberId = "") => new(error, -1, "", "", memberId, []);
}
