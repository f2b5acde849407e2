namespace Cep.Broker.Groups;

/// <summary>One member of a group. Guarded by its group's lock.</summary>
internal sealed class GroupMember(string id, JoinRequest join)
{
    public string Id => id;

    public JoinRequest Join { get; set; } = join;

    public byte[] Assignment { get; set; } = [];

    /// <summary>When the member was last heard of (join, sync, heartbeat, commit): the session timeout counts from here.</summary>
    public DateTimeOffset LastSeen { get; set; }

    /// <summary>The member's held JoinGroup, answered when the rebalance completes.</summary>
    public TaskCompletionSource<JoinResult>? PendingJoin { get; set; }

    /// <summary>The member's held SyncGroup, answered when the leader's assignment arrives.</summary>
    public TaskCompletionSource<SyncResult>? PendingSync { get; set; }

    public byte[] MetadataFor(string protocol) => Join.Protocols.FirstOrDefault(p => p.Name == protocol)?.Metadata ?? [];
}
