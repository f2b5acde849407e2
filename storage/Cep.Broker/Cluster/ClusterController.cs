using Cep.Broker.Protocol;
using Cep.Storage;
using Cep.Storage.Log;
using Cep.Storage.Topics;

namespace Cep.Broker.Cluster;

/// <summary>
/// The active controller's decisions (KRaft's QuorumController, the part that decides): given
/// the metadata as of now, what records a request or the passing of time adds. It registers,
/// fences and unfences brokers, places replicas of new partitions, elects leaders from the
/// in-sync replicas only (no unclean election: a partition with no live in-sync replica has no
/// leader until one returns, unless the topic sets unclean.leader.election.enable), checks leaders' ISR changes against the epochs they saw, and
/// moves leadership back to preferred replicas. Each decision is worked out on a scratch copy
/// of the image, record by record, so a decision that fences two brokers sees the first fence
/// when it handles the second. It decides only; the caller replicates the records and applies
/// them. Liveness (when each broker was last heard) is kept here, not in the log: a newly
/// active controller gives every broker a full session before it fences any.
/// Thread-safety: none; the quorum's controller loop calls it one decision at a time.
/// </summary>
public sealed class ClusterController(ControllerOptions options, TimeProvider time)
{
    private readonly Dictionary<int, long> _lastHeard = [];
    private long _activeSince = time.GetUtcNow().ToUnixTimeMilliseconds();

    public ControllerOptions Options => options;

    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>This node just became the active controller: liveness starts over from now.</summary>
    public void Activate()
    {
        _lastHeard.Clear();
        _activeSince = NowMs;
    }

    /// <summary>
    /// A broker (re)starts: it gets a new, larger epoch and is registered fenced. A restarted
    /// broker may have lost what it had not fsynced, so it leaves every ISR that has another
    /// member (it rejoins once it has caught up); a broker whose data directory was wiped
    /// (another <paramref name="incarnation"/>) also leaves the ISRs it was alone in — its log
    /// is empty, and electing it would lose every acknowledged record.
    /// </summary>
    public (long Epoch, IReadOnlyList<MetadataRecord> Records) RegisterBroker(ClusterImage image, int nodeId, string host, int port, Guid incarnation)
    {
        if (nodeId < 0 || port <= 0 || string.IsNullOrEmpty(host))
        {
            throw new ControllerException(ErrorCode.InvalidRequest, $"broker registration: node id {nodeId}, address {host}:{port} is not valid");
        }
        var known = image.Brokers.GetValueOrDefault(nodeId);
        long epoch = Math.Max(image.Offset + 1, (known?.Epoch ?? 0) + 1);
        bool wiped = known is not null && known.Incarnation != incarnation;
        var decision = new Decision(image);
        decision.Emit(new RegisterBrokerRecord(nodeId, host, port, epoch, incarnation));
        foreach (var partition in image.PartitionsOn(nodeId).Where(p => p.Isr.Contains(nodeId)))
        {
            decision.EmitIfChanged(partition, Without(decision.Image, partition, nodeId, keepSole: !wiped));
        }
        _lastHeard[nodeId] = NowMs;
        return (epoch, decision.Records);
    }

    /// <summary>
    /// A broker's heartbeat as registration <paramref name="epoch"/>. A fenced broker is unfenced
    /// and leads again the partitions that had no leader and have it in their ISR.
    /// </summary>
    public IReadOnlyList<MetadataRecord> Heartbeat(ClusterImage image, int nodeId, long epoch)
    {
        if (!image.Brokers.TryGetValue(nodeId, out var broker))
        {
            throw new ControllerException(ErrorCode.StaleBrokerEpoch, $"broker {nodeId} is not registered: register first");
        }
        if (broker.Epoch != epoch)
        {
            throw new ControllerException(ErrorCode.StaleBrokerEpoch, $"broker {nodeId}: epoch {epoch} is not its registration's ({broker.Epoch}): register again");
        }
        _lastHeard[nodeId] = NowMs;
        var decision = new Decision(image);
        if (broker.Fenced)
        {
            decision.Emit(new BrokerFenceRecord(nodeId, epoch, Fenced: false));
            foreach (var partition in image.PartitionsOn(nodeId).Where(p => p.Leader < 0 && (p.Isr.Contains(nodeId) || Unclean(image, p.Topic))))
            {
                // Unclean: the ISR starts over with the out-of-date replica that now leads.
                var isr = partition.Isr.Contains(nodeId) ? partition.Isr : [nodeId];
                decision.Emit(partition with { Isr = isr, Leader = nodeId, LeaderEpoch = partition.LeaderEpoch + 1, PartitionEpoch = partition.PartitionEpoch + 1 });
            }
        }
        return decision.Records;
    }

    /// <summary>Fences every live broker not heard from for the session timeout; its partitions lose it from their ISR and, where it led, get a new leader.</summary>
    public IReadOnlyList<MetadataRecord> Tick(ClusterImage image)
    {
        long now = NowMs;
        var decision = new Decision(image);
        foreach (var broker in image.LiveBrokers.ToList())
        {
            long heard = _lastHeard.GetValueOrDefault(broker.NodeId, _activeSince);
            if (now - heard > (long)options.BrokerSessionTimeout.TotalMilliseconds)
            {
                decision.Emit(new BrokerFenceRecord(broker.NodeId, broker.Epoch, Fenced: true));
                foreach (var partition in decision.Image.PartitionsOn(broker.NodeId).Where(p => p.Isr.Contains(broker.NodeId)).ToList())
                {
                    decision.EmitIfChanged(partition, Without(decision.Image, partition, broker.NodeId, keepSole: true));
                }
            }
        }
        return decision.Records;
    }

    /// <summary>
    /// A new topic: its name and configs checked, <paramref name="partitions"/> partitions
    /// (−1: the default) with <paramref name="replicationFactor"/> replicas each (−1: the
    /// default) on distinct live brokers, spread so that leaders and replicas rotate over them.
    /// </summary>
    public IReadOnlyList<MetadataRecord> CreateTopic(ClusterImage image, string name, int partitions, int replicationFactor, IReadOnlyDictionary<string, string> configs)
    {
        Guard(() => TopicName.Validate(name));
        if (image.Topics.ContainsKey(name))
        {
            throw new ControllerException(ErrorCode.TopicAlreadyExists, $"topic '{name}' already exists");
        }
        if (image.Topics.Keys.FirstOrDefault(t => TopicName.CollisionKey(t) == TopicName.CollisionKey(name)) is { } collides)
        {
            throw new ControllerException(ErrorCode.InvalidTopicException, $"topic '{name}' collides with existing topic '{collides}' ('.' and '_' are the same in metric names)");
        }
        Guard(() => new LogConfig().With(configs));
        int count = partitions == -1 ? options.DefaultPartitions : partitions;
        if (count < 1)
        {
            throw new ControllerException(ErrorCode.InvalidPartitions, $"topic '{name}': {partitions} partitions; a topic needs at least 1");
        }
        var decision = new Decision(image);
        decision.Emit(new TopicRecord(name, Guid.NewGuid(), new Dictionary<string, string>(configs, StringComparer.Ordinal)));
        AddPartitions(decision, name, 0, count, replicationFactor == -1 ? options.DefaultReplicationFactor : replicationFactor, image.Topics.Count);
        return decision.Records;
    }

    /// <summary>More partitions for <paramref name="name"/>, up to <paramref name="count"/>, with as many replicas as its first partition.</summary>
    public IReadOnlyList<MetadataRecord> CreatePartitions(ClusterImage image, string name, int count)
    {
        var topic = Existing(image, name);
        if (count <= topic.Partitions.Length)
        {
            throw new ControllerException(ErrorCode.InvalidPartitions, $"topic '{name}' has {topic.Partitions.Length} partitions; it can only grow (asked for {count})");
        }
        var decision = new Decision(image);
        AddPartitions(decision, name, topic.Partitions.Length, count, topic.Partitions[0].Replicas.Count, image.Topics.Count);
        return decision.Records;
    }

    public IReadOnlyList<MetadataRecord> DeleteTopic(ClusterImage image, string name)
    {
        Existing(image, name);
        return [new RemoveTopicRecord(name)];
    }

    /// <summary>Sets (or, with a null value, resets) topic configs, each checked first: all or none.</summary>
    public IReadOnlyList<MetadataRecord> AlterConfigs(ClusterImage image, string name, IReadOnlyDictionary<string, string?> changes)
    {
        var topic = Existing(image, name);
        var next = new Dictionary<string, string>(topic.Configs, StringComparer.Ordinal);
        foreach (var (key, value) in changes)
        {
            if (value is null)
            {
                next.Remove(key);
            }
            else
            {
                next[key] = value;
            }
        }
        Guard(() => new LogConfig().With(next));
        return changes.Select(c => (MetadataRecord)new TopicConfigRecord(name, c.Key, c.Value)).ToList();
    }

    /// <summary>
    /// A leader changes its partition's ISR (Kafka's AlterPartition): it must be the leader of
    /// the epoch it names and have seen the latest partition epoch; the new ISR must hold the
    /// leader, only replicas, and only live brokers among those it adds. Returns the new state.
    /// </summary>
    public (PartitionRecord State, IReadOnlyList<MetadataRecord> Records) AlterPartition(ClusterImage image, string topic, int index, int leader, int leaderEpoch, int partitionEpoch, IReadOnlyList<int> isr)
    {
        var partition = image.Partition(topic, index)
            ?? throw new ControllerException(ErrorCode.UnknownTopicOrPartition, $"{topic}/{index} does not exist");
        if (leaderEpoch < partition.LeaderEpoch)
        {
            throw new ControllerException(ErrorCode.FencedLeaderEpoch, $"{topic}/{index}: leader epoch {leaderEpoch} is older than the partition's ({partition.LeaderEpoch})");
        }
        if (leader != partition.Leader || leaderEpoch != partition.LeaderEpoch)
        {
            throw new ControllerException(ErrorCode.NotLeaderOrFollower, $"{topic}/{index}: broker {leader} is not the leader of epoch {leaderEpoch} (the leader is {partition.Leader}, epoch {partition.LeaderEpoch})");
        }
        if (partitionEpoch != partition.PartitionEpoch)
        {
            throw new ControllerException(ErrorCode.InvalidUpdateVersion, $"{topic}/{index}: partition epoch {partitionEpoch} is not the current one ({partition.PartitionEpoch})");
        }
        if (!isr.Contains(leader) || isr.Any(r => !partition.Replicas.Contains(r)) || isr.Distinct().Count() != isr.Count)
        {
            throw new ControllerException(ErrorCode.InvalidRequest, $"{topic}/{index}: ISR [{string.Join(",", isr)}] must hold the leader {leader} and only replicas of [{string.Join(",", partition.Replicas)}], once each");
        }
        var ineligible = isr.Except(partition.Isr).Where(r => !IsLive(image, r)).ToList();
        if (ineligible.Count > 0)
        {
            throw new ControllerException(ErrorCode.IneligibleReplica, $"{topic}/{index}: broker {string.Join(", ", ineligible)} cannot join the ISR: fenced or not registered");
        }
        var state = partition with { Isr = InReplicaOrder(partition, isr), PartitionEpoch = partition.PartitionEpoch + 1 };
        return (state, [state]);
    }

    /// <summary>Gives each partition back to its preferred replica (the first) where that one is live, in the ISR and not leading.</summary>
    public IReadOnlyList<MetadataRecord> ElectPreferredLeaders(ClusterImage image)
    {
        var decision = new Decision(image);
        foreach (var partition in image.Topics.Values.SelectMany(t => t.Partitions))
        {
            int preferred = partition.Replicas[0];
            if (partition.Leader != preferred && partition.Isr.Contains(preferred) && IsLive(image, preferred))
            {
                decision.Emit(partition with { Leader = preferred, LeaderEpoch = partition.LeaderEpoch + 1, PartitionEpoch = partition.PartitionEpoch + 1 });
            }
        }
        return decision.Records;
    }

    /// <summary>The topic allows an out-of-date replica to lead when no in-sync one is left (unclean.leader.election.enable).</summary>
    private static bool Unclean(ClusterImage image, string topic) =>
        image.Topics.TryGetValue(topic, out var info) && info.Configs.GetValueOrDefault("unclean.leader.election.enable") == "true";

    private static bool IsLive(ClusterImage image, int nodeId) => image.Brokers.TryGetValue(nodeId, out var broker) && !broker.Fenced;

    /// <summary>
    /// The partition without <paramref name="nodeId"/> in its ISR — unless it is the only member
    /// and <paramref name="keepSole"/> (the last in-sync replica stays named, so it leads again
    /// when it returns) — and with a new leader if it led: the first live in-sync replica in
    /// preference order, or none.
    /// </summary>
    private static PartitionRecord Without(ClusterImage image, PartitionRecord partition, int nodeId, bool keepSole)
    {
        var isr = partition.Isr.Count > 1 || !keepSole ? partition.Isr.Where(r => r != nodeId).ToList() : partition.Isr.ToList();
        int leader = partition.Leader;
        if (leader == nodeId || !isr.Contains(leader))
        {
            leader = partition.Replicas.FirstOrDefault(r => r != nodeId && isr.Contains(r) && IsLive(image, r), -1);
            if (leader < 0 && Unclean(image, partition.Topic) && partition.Replicas.FirstOrDefault(r => r != nodeId && IsLive(image, r), -1) is var outOfDate and >= 0)
            {
                (leader, isr) = (outOfDate, [outOfDate]);
            }
        }
        return partition with
        {
            Isr = isr,
            Leader = leader,
            LeaderEpoch = leader != partition.Leader ? partition.LeaderEpoch + 1 : partition.LeaderEpoch,
            PartitionEpoch = partition.PartitionEpoch + 1,
        };
    }

    private static List<int> InReplicaOrder(PartitionRecord partition, IReadOnlyList<int> isr) =>
        partition.Replicas.Where(isr.Contains).ToList();

    /// <summary>Partitions [<paramref name="from"/>, <paramref name="to"/>) of a topic; replica i of partition p on live broker (start + p + i) mod n.</summary>
    private static void AddPartitions(Decision decision, string topic, int from, int to, int replicationFactor, int start)
    {
        var brokers = decision.Image.LiveBrokers.Select(b => b.NodeId).Order().ToList();
        if (replicationFactor < 1 || replicationFactor > brokers.Count)
        {
            throw new ControllerException(ErrorCode.InvalidReplicationFactor, $"topic '{topic}': replication factor {replicationFactor} needs that many live brokers; {brokers.Count} are live ({string.Join(", ", brokers)})");
        }
        for (int p = from; p < to; p++)
        {
            var replicas = Enumerable.Range(0, replicationFactor).Select(i => brokers[(start + p + i) % brokers.Count]).ToList();
            decision.Emit(new PartitionRecord(topic, p, replicas, replicas, replicas[0], LeaderEpoch: 0, PartitionEpoch: 0));
        }
    }

    private static TopicInfo Existing(ClusterImage image, string name) =>
        image.Topics.GetValueOrDefault(name) ?? throw new ControllerException(ErrorCode.UnknownTopicOrPartition, $"topic '{name}' does not exist");

    /// <summary>Runs a storage-layer check, turning its refusal into the controller's.</summary>
    private static void Guard(Action check)
    {
        try
        {
            check();
        }
        catch (StorageException e)
        {
            throw new ControllerException((ErrorCode)Server.ErrorCodes.Of(e), e.Message);
        }
    }

    /// <summary>The records of one decision, and the image they give so far.</summary>
    private sealed class Decision(ClusterImage image)
    {
        public ClusterImage Image { get; private set; } = image;

        public List<MetadataRecord> Records { get; } = [];

        public void Emit(MetadataRecord record)
        {
            Records.Add(record);
            Image = Image.Apply(record, Image.Offset);
        }

        public void EmitIfChanged(PartitionRecord before, PartitionRecord after)
        {
            if (!before.Isr.SequenceEqual(after.Isr) || before.Leader != after.Leader)
            {
                Emit(after);
            }
        }
    }
}
