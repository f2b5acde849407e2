namespace Cep.Broker.Groups;

/// <summary>A consumer group's state in Kafka's classic protocol (the names DescribeGroups reports).</summary>
public enum GroupState
{
    /// <summary>No members (possibly committed offsets).</summary>
    Empty,

    /// <summary>Waiting for every member to (re)join; joins are held until then or the rebalance timeout.</summary>
    PreparingRebalance,

    /// <summary>A new generation is formed; waiting for the leader's assignment (SyncGroup).</summary>
    CompletingRebalance,

    /// <summary>Every member has its assignment.</summary>
    Stable,

    /// <summary>Deleted.</summary>
    Dead,
}
