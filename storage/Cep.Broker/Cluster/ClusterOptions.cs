using System.Net;

namespace Cep.Broker.Cluster;

/// <summary>What makes a broker a node of a cluster: its id, the controller quorum it votes in, and how the controller and the replicas behave.</summary>
public sealed record ClusterOptions
{
    public required int NodeId { get; init; }

    /// <summary>Every controller by node id at its Raft address (<c>--controllers</c>); this node must be one of them.</summary>
    public required IReadOnlyDictionary<int, IPEndPoint> Controllers { get; init; }

    public ControllerOptions Controller { get; init; } = new();

    public ReplicationOptions Replication { get; init; } = new();

    /// <summary>The quorum's election timeout (see <see cref="QuorumOptions.ElectionTimeout"/>).</summary>
    public TimeSpan ElectionTimeout { get; init; } = TimeSpan.FromMilliseconds(500);
}
