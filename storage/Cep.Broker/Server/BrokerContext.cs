using Cep.Broker.Cluster;
using Cep.Storage.Log;
using Cep.Storage.Topics;

namespace Cep.Broker.Server;

/// <summary>What the handlers share: the log, the options, the address clients are told to use (known once the listener is bound) and, in a cluster, the node. Thread-safe.</summary>
public sealed class BrokerContext(TopicStore store, BrokerOptions options, ClusterNode? cluster = null)
{
    /// <summary>The cluster node this broker is part of, or null for a broker on its own.</summary>
    public ClusterNode? Cluster => cluster;

    public TopicStore Store => store;

    public BrokerOptions Options => options;

    public int NodeId => options.NodeId;

    public string Host => options.AdvertisedHost ?? options.Listen.Address.ToString();

    /// <summary>The bound port (set when the listener starts).</summary>
    public int Port { get; set; } = options.Listen.Port;

    /// <summary>
    /// The log of a partition this broker serves clients from: on its own, any of the store's;
    /// in a cluster, only one it leads (in <paramref name="currentLeaderEpoch"/>, when the client
    /// names one), else a <see cref="ReplicaException"/> the client answers by refreshing its metadata.
    /// </summary>
    /// <summary>False on a cluster node that does not coordinate the consumer groups: group requests are answered NOT_COORDINATOR, and the client asks FindCoordinator again.</summary>
    public bool CoordinatesGroups => cluster?.IsGroupCoordinator ?? true;

    public PartitionLog LeaderLog(string topic, int partition, int currentLeaderEpoch = -1) =>
        cluster is null ? store.GetPartition(topic, partition) : cluster.Replicas.Leader(topic, partition, currentLeaderEpoch).Log;
}
