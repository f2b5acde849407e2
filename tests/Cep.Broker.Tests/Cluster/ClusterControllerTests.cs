using Cep.Broker.Cluster;
using Cep.Broker.Protocol;

namespace Cep.Broker.Tests.Cluster;

/// <summary>
/// The controller's decisions on a three-broker cluster, with the records applied as the
/// quorum would apply them: placement, fencing and election from the ISR only, a restarted or
/// wiped broker, leaders' ISR changes checked against their epochs, preferred leaders.
/// </summary>
public sealed class ClusterControllerTests
{
    private static readonly Guid Disk1 = Guid.Parse("00000000-0000-0000-0000-000000000001");
    private static readonly Guid Disk2 = Guid.Parse("00000000-0000-0000-0000-000000000002");
    private static readonly Guid Disk3 = Guid.Parse("00000000-0000-0000-0000-000000000003");

    private readonly ManualTime _time = new(DateTimeOffset.FromUnixTimeSeconds(1_800_000_000));
    private readonly ClusterController _controller;
    private ClusterImage _image = ClusterImage.Empty;
    private readonly Dictionary<int, long> _epochs = [];

    public ClusterControllerTests()
    {
        _controller = new ClusterController(new ControllerOptions { BrokerSessionTimeout = TimeSpan.FromSeconds(6) }, _time);
    }

    [Fact]
    public void A_new_topic_rotates_leaders_and_replicas_over_the_live_brokers()
    {
        StartThreeBrokers();
        Apply(_controller.CreateTopic(_image, "orders", 3, 3, new Dictionary<string, string> { ["min.insync.replicas"] = "2" }));

        var topic = _image.Topics["orders"];
        Assert.Equal("2", topic.Configs["min.insync.replicas"]);
        Assert.Equal([[1, 2, 3], [2, 3, 1], [3, 1, 2]], topic.Partitions.Select(p => p.Replicas.ToArray()));
        Assert.All(topic.Partitions, p => Assert.Equal(p.Replicas, p.Isr));
        Assert.Equal([1, 2, 3], topic.Partitions.Select(p => p.Leader));
        Assert.All(topic.Partitions, p => Assert.Equal((0, 0), (p.LeaderEpoch, p.PartitionEpoch)));

        var tooMany = Assert.Throws<ControllerException>(() => _controller.CreateTopic(_image, "wide", 1, 4, new Dictionary<string, string>()));
        Assert.Equal(ErrorCode.InvalidReplicationFactor, tooMany.Code);
        Assert.Equal("topic 'wide': replication factor 4 needs that many live brokers; 3 are live (1, 2, 3)", tooMany.Message);
        Assert.Equal(ErrorCode.TopicAlreadyExists, Assert.Throws<ControllerException>(() => _controller.CreateTopic(_image, "orders", 1, 1, new Dictionary<string, string>())).Code);
        Assert.Equal(ErrorCode.InvalidTopicException, Assert.Throws<ControllerException>(() => _controller.CreateTopic(_image, "bad/name", 1, 1, new Dictionary<string, string>())).Code);
        Assert.Equal(ErrorCode.InvalidConfig, Assert.Throws<ControllerException>(() => _controller.CreateTopic(_image, "x", 1, 1, new Dictionary<string, string> { ["retention.ms"] = "soon" })).Code);
    }

    [Fact]
    public void A_silent_broker_is_fenced_after_the_session_timeout_and_its_partitions_get_leaders_from_the_isr()
    {
        StartThreeBrokers();
        Apply(_controller.CreateTopic(_image, "orders", 3, 3, new Dictionary<string, string>()));

        _time.Advance(TimeSpan.FromSeconds(4));
        HeartbeatAll(except: 1);
        Assert.Empty(_controller.Tick(_image)); // 4 s of silence: within the session
        _time.Advance(TimeSpan.FromSeconds(3));
        HeartbeatAll(except: 1);
        Apply(_controller.Tick(_image));        // 7 s: broker 1 is fenced

        Assert.True(_image.Brokers[1].Fenced);
        var partitions = _image.Topics["orders"].Partitions;
        Assert.Equal([[2, 3], [2, 3], [3, 2]], partitions.Select(p => p.Isr.ToArray()));
        Assert.Equal([2, 2, 3], partitions.Select(p => p.Leader));       // 0 moved to the next in-sync replica
        Assert.Equal([1, 0, 0], partitions.Select(p => p.LeaderEpoch));  // only the partition that changed leader
        Assert.Equal([1, 1, 1], partitions.Select(p => p.PartitionEpoch));

        // Broker 1 heartbeats again: unfenced, but not back in any ISR until a leader adds it.
        Apply(_controller.Heartbeat(_image, 1, _epochs[1]));
        Assert.False(_image.Brokers[1].Fenced);
        Assert.Equal([[2, 3], [2, 3], [3, 2]], _image.Topics["orders"].Partitions.Select(p => p.Isr.ToArray()));
    }

    [Fact]
    public void With_every_in_sync_replica_gone_a_partition_has_no_leader_until_the_last_one_returns()
    {
        StartThreeBrokers();
        Apply(_controller.CreateTopic(_image, "orders", 1, 3, new Dictionary<string, string>()));
        FenceBySilence(1);
        FenceBySilence(2);
        var partition = _image.Partition("orders", 0)!;
        Assert.Equal(3, partition.Leader);
        Assert.Equal([3], partition.Isr);
        FenceBySilence(3);

        partition = _image.Partition("orders", 0)!;
        Assert.Equal(-1, partition.Leader);          // no unclean election: 1 and 2 are out of date
        Assert.Equal([3], partition.Isr);            // the last in-sync replica stays named
        Apply(_controller.Heartbeat(_image, 1, _epochs[1]));
        Assert.Equal(-1, _image.Partition("orders", 0)!.Leader);
        Apply(_controller.Heartbeat(_image, 3, _epochs[3]));
        Assert.Equal(3, _image.Partition("orders", 0)!.Leader);
        Assert.Equal(4, _image.Partition("orders", 0)!.LeaderEpoch); // 1→2, 2→3, 3→none, none→3
    }

    [Fact]
    public void With_unclean_leader_election_an_out_of_date_replica_leads_when_no_in_sync_one_is_left()
    {
        StartThreeBrokers();
        Apply(_controller.CreateTopic(_image, "metrics", 1, 3, new Dictionary<string, string> { ["unclean.leader.election.enable"] = "true" }));
        FenceBySilence(1);
        FenceBySilence(2);
        FenceBySilence(3);
        Assert.Equal(-1, _image.Partition("metrics", 0)!.Leader);
        Apply(_controller.Heartbeat(_image, 1, _epochs[1])); // out of date, but the topic allows it
        var partition = _image.Partition("metrics", 0)!;
        Assert.Equal(1, partition.Leader);
        Assert.Equal([1], partition.Isr);
    }

    [Fact]
    public void A_restarted_broker_leaves_the_isrs_and_a_wiped_one_is_never_elected()
    {
        StartThreeBrokers();
        Apply(_controller.CreateTopic(_image, "orders", 1, 3, new Dictionary<string, string>()));
        Register(1, Disk1); // restarted with its data: out of the ISR until it catches up, leadership moves
        var partition = _image.Partition("orders", 0)!;
        Assert.Equal(2, partition.Leader);
        Assert.Equal([2, 3], partition.Isr);
        Assert.True(_image.Brokers[1].Fenced);
        Assert.True(_epochs[1] > 0);

        // 2 and 3 die; 3 was the last in the ISR and comes back with an empty data directory.
        FenceBySilence(2);
        FenceBySilence(3);
        Assert.Equal([3], _image.Partition("orders", 0)!.Isr);
        Assert.Equal(-1, _image.Partition("orders", 0)!.Leader);
        Register(3, Guid.NewGuid());
        Apply(_controller.Heartbeat(_image, 3, _epochs[3]));
        Assert.Empty(_image.Partition("orders", 0)!.Isr);
        Assert.Equal(-1, _image.Partition("orders", 0)!.Leader);

        var stale = Assert.Throws<ControllerException>(() => _controller.Heartbeat(_image, 3, _epochs[3] - 1));
        Assert.Equal(ErrorCode.StaleBrokerEpoch, stale.Code);
    }

    [Fact]
    public void A_leaders_isr_change_is_checked_against_the_epochs_it_saw()
    {
        StartThreeBrokers();
        Apply(_controller.CreateTopic(_image, "orders", 1, 3, new Dictionary<string, string>()));
        var (shrunk, records) = _controller.AlterPartition(_image, "orders", 0, leader: 1, leaderEpoch: 0, partitionEpoch: 0, isr: [1, 3]);
        Apply(records);
        Assert.Equal([1, 3], shrunk.Isr);
        Assert.Equal(1, shrunk.PartitionEpoch);
        Assert.Equal(shrunk, _image.Partition("orders", 0));

        Assert.Equal(ErrorCode.InvalidUpdateVersion, Refusal(() => _controller.AlterPartition(_image, "orders", 0, 1, 0, partitionEpoch: 0, isr: [1, 2, 3])));
        Assert.Equal(ErrorCode.NotLeaderOrFollower, Refusal(() => _controller.AlterPartition(_image, "orders", 0, leader: 2, 0, 1, isr: [2, 3])));
        Assert.Equal(ErrorCode.InvalidRequest, Refusal(() => _controller.AlterPartition(_image, "orders", 0, 1, 0, 1, isr: [3])));
        Assert.Equal(ErrorCode.UnknownTopicOrPartition, Refusal(() => _controller.AlterPartition(_image, "orders", 5, 1, 0, 1, isr: [1])));
        FenceBySilence(2);
        Assert.Equal(ErrorCode.IneligibleReplica, Refusal(() => _controller.AlterPartition(_image, "orders", 0, 1, 0, _image.Partition("orders", 0)!.PartitionEpoch, isr: [1, 2, 3])));
        FenceBySilence(1); // leadership moves to 3, epoch 1: the old leader's view is fenced
        Assert.Equal(ErrorCode.FencedLeaderEpoch, Refusal(() => _controller.AlterPartition(_image, "orders", 0, 1, leaderEpoch: 0, _image.Partition("orders", 0)!.PartitionEpoch, isr: [1, 3])));
    }

    [Fact]
    public void Leadership_goes_back_to_the_preferred_replica_once_it_is_in_sync_again()
    {
        StartThreeBrokers();
        Apply(_controller.CreateTopic(_image, "orders", 3, 3, new Dictionary<string, string>()));
        FenceBySilence(1);
        Apply(_controller.Heartbeat(_image, 1, _epochs[1]));
        Assert.Empty(_controller.ElectPreferredLeaders(_image)); // 1 is not in sync yet
        foreach (var p in _image.Topics["orders"].Partitions)
        {
            Apply(_controller.AlterPartition(_image, "orders", p.Partition, p.Leader, p.LeaderEpoch, p.PartitionEpoch, [.. p.Isr, 1]).Records);
        }
        Apply(_controller.ElectPreferredLeaders(_image));
        Assert.Equal([1, 2, 3], _image.Topics["orders"].Partitions.Select(p => p.Leader));
        Assert.Equal([2, 0, 0], _image.Topics["orders"].Partitions.Select(p => p.LeaderEpoch));
    }

    [Fact]
    public void Records_survive_their_json_form()
    {
        MetadataRecord[] records =
        [
            new RegisterBrokerRecord(2, "127.0.0.1", 9092, 17, Disk2),
            new BrokerFenceRecord(2, 17, true),
            new TopicRecord("orders", Disk3, new Dictionary<string, string> { ["retention.ms"] = "-1" }),
            new PartitionRecord("orders", 1, [2, 3, 1], [2, 3], 2, 4, 9),
            new TopicConfigRecord("orders", "retention.ms", null),
            new RemoveTopicRecord("orders"),
        ];
        foreach (var record in records)
        {
            var back = MetadataRecordSerde.Decode(MetadataRecordSerde.Encode(record));
            Assert.Equal(MetadataRecordSerde.Encode(record), MetadataRecordSerde.Encode(back));
            Assert.Equal(record.GetType(), back.GetType());
        }
        Assert.Equal("""{"type":"broker-fence","nodeId":2,"epoch":17,"fenced":true}""", System.Text.Encoding.UTF8.GetString(MetadataRecordSerde.Encode(records[1])));
        Assert.Throws<InvalidDataException>(() => MetadataRecordSerde.Decode("""{"type":"nonsense"}"""u8));
    }

    private static ErrorCode Refusal(Action action) => Assert.Throws<ControllerException>(action).Code;

    private void StartThreeBrokers()
    {
        Register(1, Disk1);
        Register(2, Disk2);
        Register(3, Disk3);
        HeartbeatAll(except: 0);
        Assert.Equal(3, _image.LiveBrokers.Count());
    }

    private void Register(int node, Guid disk)
    {
        var (epoch, records) = _controller.RegisterBroker(_image, node, "127.0.0.1", 9090 + node, disk);
        _epochs[node] = epoch;
        Apply(records);
    }

    private void HeartbeatAll(int except)
    {
        foreach (int node in _image.Brokers.Keys.Where(n => n != except))
        {
            Apply(_controller.Heartbeat(_image, node, _epochs[node]));
        }
    }

    /// <summary>Time passes with every live broker but <paramref name="node"/> heartbeating, until it is fenced.</summary>
    private void FenceBySilence(int node)
    {
        _time.Advance(TimeSpan.FromSeconds(7));
        foreach (int other in _image.LiveBrokers.Select(b => b.NodeId).Where(n => n != node).ToList())
        {
            Apply(_controller.Heartbeat(_image, other, _epochs[other]));
        }
        Apply(_controller.Tick(_image));
        Assert.True(_image.Brokers[node].Fenced);
    }

    private void Apply(IReadOnlyList<MetadataRecord> records)
    {
        foreach (var record in records)
        {
            _image = _image.Apply(record, _image.Offset + 1);
        }
    }
}
