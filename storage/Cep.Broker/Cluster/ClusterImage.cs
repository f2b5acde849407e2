using System.Collections.Immutable;

namespace Cep.Broker.Cluster;

/// <summary>
/// The cluster's metadata as of one point of the metadata log: what applying every record up
/// to <see cref="Offset"/> gives. Immutable: <see cref="Apply"/> returns a new image, so a node
/// publishes each image whole and readers never see half an update. Applying is total — a
/// record that names something unknown (a partition of a removed topic) changes nothing — so
/// every node that applies the same log holds the same image. Thread-safe (immutable).
/// </summary>
public sealed class ClusterImage
{
    public static readonly ClusterImage Empty = new(-1, ImmutableSortedDictionary<int, BrokerInfo>.Empty, ImmutableSortedDictionary.Create<string, TopicInfo>(StringComparer.Ordinal));

    private ClusterImage(long offset, ImmutableSortedDictionary<int, BrokerInfo> brokers, ImmutableSortedDictionary<string, TopicInfo> topics)
    {
        Offset = offset;
        Brokers = brokers;
        Topics = topics;
    }

    /// <summary>The position in the metadata log of the last record applied; −1 for none.</summary>
    public long Offset { get; }

    public ImmutableSortedDictionary<int, BrokerInfo> Brokers { get; }

    public ImmutableSortedDictionary<string, TopicInfo> Topics { get; }

    /// <summary>Brokers that are registered and not fenced, by node id.</summary>
    public IEnumerable<BrokerInfo> LiveBrokers => Brokers.Values.Where(b => !b.Fenced);

    public PartitionRecord? Partition(string topic, int partition) =>
        Topics.TryGetValue(topic, out var info) && partition >= 0 && partition < info.Partitions.Length ? info.Partitions[partition] : null;

    /// <summary>Every partition with a replica on <paramref name="nodeId"/>.</summary>
    public IEnumerable<PartitionRecord> PartitionsOn(int nodeId) =>
        Topics.Values.SelectMany(t => t.Partitions).Where(p => p.Replicas.Contains(nodeId));

    public ClusterImage Apply(MetadataRecord record, long offset) => record switch
    {
        RegisterBrokerRecord r => With(offset, brokers: Brokers.SetItem(r.NodeId, new BrokerInfo(r.NodeId, r.Host, r.Port, r.Epoch, r.Incarnation, Fenced: true))),
        BrokerFenceRecord f => Brokers.TryGetValue(f.NodeId, out var broker) && broker.Epoch == f.Epoch
            ? With(offset, brokers: Brokers.SetItem(f.NodeId, broker with { Fenced = f.Fenced }))
            : With(offset),
        TopicRecord t => With(offset, topics: Topics.SetItem(t.Name, new TopicInfo(t.Name, t.Id, t.Configs.ToImmutableDictionary(StringComparer.Ordinal), []))),
        PartitionRecord p => Topics.TryGetValue(p.Topic, out var topic) && p.Partition >= 0 && p.Partition <= topic.Partitions.Length
            ? With(offset, topics: Topics.SetItem(p.Topic, topic with
            {
                Partitions = p.Partition == topic.Partitions.Length ? topic.Partitions.Add(p) : topic.Partitions.SetItem(p.Partition, p),
            }))
            : With(offset),
        TopicConfigRecord c => Topics.TryGetValue(c.Topic, out var configured)
            ? With(offset, topics: Topics.SetItem(c.Topic, configured with
            {
                Configs = c.Value is null ? configured.Configs.Remove(c.Key) : configured.Configs.SetItem(c.Key, c.Value),
            }))
            : With(offset),
        RemoveTopicRecord r => With(offset, topics: Topics.Remove(r.Name)),
        _ => throw new ArgumentException($"unknown metadata record {record.GetType().Name}", nameof(record)),
    };

    /// <summary>The same metadata, as of <paramref name="offset"/> (an entry that carried no record still moves the image on).</summary>
    public ClusterImage At(long offset) => With(offset);

    /// <summary>Records that rebuild this image when applied to <see cref="Empty"/> (a snapshot's content).</summary>
    public IReadOnlyList<MetadataRecord> ToRecords()
    {
        var records = new List<MetadataRecord>();
        foreach (var broker in Brokers.Values)
        {
            records.Add(new RegisterBrokerRecord(broker.NodeId, broker.Host, broker.Port, broker.Epoch, broker.Incarnation));
            if (!broker.Fenced)
            {
                records.Add(new BrokerFenceRecord(broker.NodeId, broker.Epoch, Fenced: false));
            }
        }
        foreach (var topic in Topics.Values)
        {
            records.Add(new TopicRecord(topic.Name, topic.Id, topic.Configs));
            records.AddRange(topic.Partitions);
        }
        return records;
    }

    private ClusterImage With(long offset, ImmutableSortedDictionary<int, BrokerInfo>? brokers = null, ImmutableSortedDictionary<string, TopicInfo>? topics = null) =>
        new(offset, brokers ?? Brokers, topics ?? Topics);
}
