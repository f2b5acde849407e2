using Cep.Broker.Cluster;

namespace Cep.Cli.Commands;

/// <summary>What <c>GET /cluster</c> answers and <c>cep cluster status</c> prints: the controller quorum, the brokers and where each partition leads, as this node's metadata says.</summary>
internal sealed record ClusterView(int NodeId, int? ActiveController, long Term, long MetadataOffset, List<ClusterView.Controller> Controllers, List<ClusterView.Broker> Brokers, List<ClusterView.Partition> Partitions)
{
    public static ClusterView Of(ClusterNode node)
    {
        var quorum = node.Quorum;
        var image = quorum.Image;
        return new ClusterView(
            node.NodeId,
            quorum.LeaderId,
            quorum.Term,
            image.Offset,
            quorum.Voters.Select(v => new Controller(v.Key, v.Value.ToString(), v.Key == quorum.LeaderId ? "leader" : "follower")).ToList(),
            image.Brokers.Values.Select(b => new Broker(b.NodeId, $"{b.Host}:{b.Port}", b.Epoch, b.Fenced ? "fenced" : "live")).ToList(),
            image.Topics.Values.SelectMany(t => t.Partitions).Select(p => new Partition(p.Topic, p.Partition, p.Leader, p.LeaderEpoch, p.Replicas.ToList(), p.Isr.ToList())).ToList());
    }

    public sealed record Controller(int Id, string Address, string Role);

    public sealed record Broker(int Id, string Address, long Epoch, string State);

    public sealed record Partition(string Topic, int Index, int Leader, int LeaderEpoch, List<int> Replicas, List<int> Isr);
}
