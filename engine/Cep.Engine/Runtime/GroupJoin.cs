namespace Cep.Engine.Runtime;

/// <summary>A completed join: this member's id, the generation, its leader, and — for the leader only — every member with its metadata. Immutable.</summary>
public sealed record GroupJoin(string MemberId, int Generation, string LeaderId, IReadOnlyList<KeyValuePair<string, byte[]>> Members)
{
    public bool IsLeader => MemberId == LeaderId;
}
