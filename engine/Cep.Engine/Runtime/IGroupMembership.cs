namespace Cep.Engine.Runtime;

/// <summary>
/// Membership of a consumer group, as the engine's workers need it: join (held until the
/// group's members have all rejoined), sync (the leader hands out assignments), heartbeat, leave.
/// The host wires it to a broker's coordinator — in-process or over the Kafka protocol. A call
/// the group refuses because a rebalance started or the member is unknown throws
/// <see cref="GroupRejoinException"/>. Implementations are thread-safe.
/// </summary>
public interface IGroupMembership
{
    /// <summary>Joins <paramref name="groupId"/> (an empty <paramref name="memberId"/> for a new member) with this member's metadata.</summary>
    Task<GroupJoin> JoinAsync(string groupId, string memberId, byte[] metadata, CancellationToken cancellationToken);

    /// <summary>Sends the leader's assignments (others send none) and returns this member's.</summary>
    Task<byte[]> SyncAsync(string groupId, string memberId, int generation, IReadOnlyDictionary<string, byte[]> assignments, CancellationToken cancellationToken);

    /// <summary>Keeps the membership alive; false when the group is rebalancing and the member must rejoin.</summary>
    Task<bool> HeartbeatAsync(string groupId, string memberId, int generation, CancellationToken cancellationToken);

    Task LeaveAsync(string groupId, string memberId);
}
