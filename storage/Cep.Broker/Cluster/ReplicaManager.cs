using System.Collections.Concurrent;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage.Log;
using Cep.Storage.Topics;
using Microsoft.Extensions.Logging;

namespace Cep.Broker.Cluster;

/// <summary>
/// Makes this broker's logs what the metadata says (<see cref="Apply"/>, on every new image):
/// topics are created, grown, reconfigured and deleted in the local store; each partition with
/// a replica here becomes a <see cref="PartitionReplica"/> that leads or follows — a follower's
/// partitions are fetched by one <see cref="ReplicaFetcher"/> per leader broker. A background
/// loop (every <see cref="CheckInterval"/>) asks the controller to change ISRs — adding
/// followers that caught up, removing those that lag past
/// <see cref="ReplicationOptions.ReplicaLagTimeMax"/> — and checkpoints high watermarks.
/// Thread-safety: thread-safe; images are applied one at a time.
/// </summary>
public sealed class ReplicaManager : IAsyncDisposable
{
    private readonly TopicStore _store;
    private readonly int _nodeId;
    private readonly ControllerClient _controller;
    private readonly Func<long> _brokerEpoch;
    private readonly ReplicationOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Topic, int Partition), PartitionReplica> _replicas = new();
    private readonly ConcurrentDictionary<(string Topic, int Partition), bool> _wantsIn = new();
    private readonly Dictionary<int, ReplicaFetcher> _fetchers = [];
    private readonly object _applying = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private ClusterImage _image = ClusterImage.Empty;

    public ReplicaManager(TopicStore store, int nodeId, ControllerClient controller, Func<long> brokerEpoch, ReplicationOptions options, TimeProvider time, ILogger logger)
    {
        _store = store;
        _nodeId = nodeId;
        _controller = controller;
        _brokerEpoch = brokerEpoch;
        _options = options;
        _time = time;
        _logger = logger;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public static TimeSpan CheckInterval { get; } = TimeSpan.FromMilliseconds(500);

    public int NodeId => _nodeId;

    public ReplicationOptions Options => _options;

    /// <summary>The metadata as last applied.</summary>
    public ClusterImage Image => Volatile.Read(ref _image);

    private long NowMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>This broker's replica of the partition.</summary>
    /// <exception cref="ReplicaException">NOT_LEADER_OR_FOLLOWER: the partition exists but has no replica here.</exception>
    /// <exception cref="UnknownTopicException">No such topic or partition.</exception>
    public PartitionReplica Replica(string topic, int partition)
    {
        if (_replicas.TryGetValue((topic, partition), out var replica))
        {
            return replica;
        }
        var state = Image.Partition(topic, partition);
        return state is null
            ? throw new UnknownTopicException(Image.Topics.TryGetValue(topic, out var known)
                ? $"topic '{topic}' has no partition {partition}; valid partitions are 0..{known.Partitions.Length - 1}"
                : $"topic '{topic}' does not exist")
            : throw new ReplicaException(ErrorCode.NotLeaderOrFollower, $"{topic}/{partition} has no replica on broker {_nodeId} (replicas: {string.Join(",", state.Replicas)}; leader: {state.Leader})");
    }

    /// <summary>The replica of a partition this broker leads, checked against the client's epoch (−1: none given).</summary>
    public PartitionReplica Leader(string topic, int partition, int currentLeaderEpoch = -1)
    {
        var replica = Replica(topic, partition);
        replica.CheckLeader(currentLeaderEpoch);
        return replica;
    }

    /// <summary>A follower's fetch reached the leader: note how far the follower is; ask for it in the ISR when it has caught up.</summary>
    public void RecordFollowerFetch(PartitionReplica replica, int follower, long fetchOffset)
    {
        if (replica.RecordFollowerFetch(follower, fetchOffset, NowMs))
        {
            _wantsIn[(replica.Log.Topic, replica.Log.Partition)] = true;
        }
    }

    /// <summary>Brings the local logs and roles in line with <paramref name="image"/>.</summary>
    public void Apply(ClusterImage image)
    {
        lock (_applying)
        {
            var previous = Image;
            foreach (var topic in image.Topics.Values)
            {
                SyncTopic(topic, previous.Topics.GetValueOrDefault(topic.Name));
            }
            foreach (string removed in previous.Topics.Keys.Where(t => !image.Topics.ContainsKey(t)).ToList())
            {
                RemoveTopic(removed);
            }
            Volatile.Write(ref _image, image);
            foreach (var topic in image.Topics.Values)
            {
                foreach (var state in topic.Partitions.Where(p => p.Replicas.Contains(_nodeId)))
                {
                    ApplyPartition(image, state);
                }
            }
            foreach (var (leader, fetcher) in _fetchers.Where(f => f.Value.IsEmpty).ToList())
            {
                _fetchers.Remove(leader);
                _ = fetcher.DisposeAsync().AsTask();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        List<ReplicaFetcher> fetchers;
        lock (_applying)
        {
            fetchers = _fetchers.Values.ToList();
            _fetchers.Clear();
        }
        foreach (var fetcher in fetchers)
        {
            await fetcher.DisposeAsync().ConfigureAwait(false);
        }
        foreach (var replica in _replicas.Values)
        {
            replica.Log.CheckpointHighWatermark();
        }
        _stop.Dispose();
    }

    private void SyncTopic(TopicInfo topic, TopicInfo? before)
    {
        var configs = topic.Configs.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
        if (!_store.ListTopics().Contains(topic.Name))
        {
            _store.CreateTopic(topic.Name, Math.Max(1, topic.Partitions.Length), 1, configs);
            return;
        }
        if (_store.PartitionCount(topic.Name) < topic.Partitions.Length)
        {
            _store.AddPartitions(topic.Name, topic.Partitions.Length);
        }
        if (before is not null && !before.Configs.SequenceEqual(topic.Configs))
        {
            // A key no longer set goes back to its default.
            var defaults = new LogConfig().ToDictionary();
            var settings = before.Configs.Keys.Where(k => !topic.Configs.ContainsKey(k)).Select(k => KeyValuePair.Create(k, defaults[k])).Concat(configs);
            _store.AlterConfig(topic.Name, settings);
        }
    }

    private void RemoveTopic(string name)
    {
        foreach (var key in _replicas.Keys.Where(k => k.Topic == name).ToList())
        {
            _replicas.TryRemove(key, out _);
            foreach (var fetcher in _fetchers.Values)
            {
                fetcher.Remove(key.Topic, key.Partition);
            }
        }
        if (_store.ListTopics().Contains(name))
        {
            _store.DeleteTopic(name);
        }
    }

    private void ApplyPartition(ClusterImage image, PartitionRecord state)
    {
        var key = (state.Topic, state.Partition);
        var replica = _replicas.GetOrAdd(key, _ => new PartitionReplica(_store.GetPartition(state.Topic, state.Partition), _nodeId));
        int previousLeader = replica.State.Leader;
        replica.Apply(state, NowMs);
        foreach (var (leader, fetcher) in _fetchers)
        {
            if (leader != state.Leader)
            {
                fetcher.Remove(state.Topic, state.Partition);
            }
        }
        if (state.Leader == _nodeId)
        {
            if (previousLeader != _nodeId)
            {
                _logger.LogInformation("{Topic}/{Partition}: broker {Node} leads (epoch {Epoch}, ISR [{Isr}])", state.Topic, state.Partition, _nodeId, state.LeaderEpoch, string.Join(",", state.Isr));
            }
            return;
        }
        if (state.Leader < 0 || !image.Brokers.TryGetValue(state.Leader, out var leaderBroker))
        {
            return; // no leader: nothing to fetch from until one is elected
        }
        if (!_fetchers.TryGetValue(state.Leader, out var current) || current.Leader.Host != leaderBroker.Host || current.Leader.Port != leaderBroker.Port)
        {
            if (current is not null)
            {
                _ = current.DisposeAsync().AsTask();
            }
            current = new ReplicaFetcher(leaderBroker, _nodeId, _options, _logger);
            _fetchers[state.Leader] = current;
        }
        current.Add(replica, state.LeaderEpoch);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        long lastCheckpoint = Environment.TickCount64;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckInterval, stop).ConfigureAwait(false);
                await ChangeIsrsAsync(stop).ConfigureAwait(false);
                if (Environment.TickCount64 - lastCheckpoint > 5000)
                {
                    foreach (var replica in _replicas.Values)
                    {
                        replica.Log.CheckpointHighWatermark();
                    }
                    lastCheckpoint = Environment.TickCount64;
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is ControllerException or IOException or OperationCanceledException or ObjectDisposedException)
            {
                _logger.LogDebug("Broker {Node}: ISR changes wait: {Message}", _nodeId, e.Message);
            }
        }
    }

    /// <summary>One AlterPartition for every led partition whose ISR should change: caught-up followers in, lagging ones out.</summary>
    private async Task ChangeIsrsAsync(CancellationToken stop)
    {
        long now = NowMs;
        var changes = new List<(PartitionReplica Replica, List<int> Isr)>();
        foreach (var replica in _replicas.Values.Where(r => r.IsLeader && !r.IsrChangePending))
        {
            var state = replica.State;
            var key = (state.Topic, state.Partition);
            var lagging = replica.LaggingInSync(now, (long)_options.ReplicaLagTimeMax.TotalMilliseconds);
            var isr = state.Isr.Except(lagging).ToList();
            if (_wantsIn.TryRemove(key, out _))
            {
                // Re-check under the current state: every replica that caught up since the last round.
                isr = isr.Union(state.Replicas.Where(r => r != _nodeId && !isr.Contains(r) && replica.CanJoinIsr(r))).ToList();
            }
            if (!isr.ToHashSet().SetEquals(state.Isr))
            {
                changes.Add((replica, isr));
            }
        }
        if (changes.Count == 0)
        {
            return;
        }
        long epoch = _brokerEpoch();
        var request = new AlterPartitionRequest
        {
            BrokerId = _nodeId,
            BrokerEpoch = epoch,
            Topics = changes.GroupBy(c => c.Replica.State.Topic).Select(t => new AlterPartitionRequest.TopicData
            {
                TopicId = Image.Topics.TryGetValue(t.Key, out var info) ? info.Id : Guid.Empty,
                Partitions = t.Select(c => new AlterPartitionRequest.PartitionData
                {
                    PartitionIndex = c.Replica.State.Partition,
                    LeaderEpoch = c.Replica.State.LeaderEpoch,
                    PartitionEpoch = c.Replica.State.PartitionEpoch,
                    NewIsr = c.Isr,
                }).ToList(),
            }).ToList(),
        };
        foreach (var (replica, _) in changes)
        {
            replica.IsrChangePending = true;
        }
        try
        {
            var response = await _controller.SendAsync<AlterPartitionRequest, AlterPartitionResponse>(request, 2, stop).ConfigureAwait(false);
            foreach (var topic in response.Topics)
            {
                foreach (var partition in topic.Partitions.Where(p => p.ErrorCode != 0))
                {
                    var failed = changes.FirstOrDefault(c => Image.Topics.TryGetValue(c.Replica.State.Topic, out var t) && t.Id == topic.TopicId && c.Replica.State.Partition == partition.PartitionIndex);
                    if (failed.Replica is not null)
                    {
                        failed.Replica.IsrChangePending = false;
                        _logger.LogInformation("{Partition}: ISR change to [{Isr}] refused: {Error}", failed.Replica.Log.Name, string.Join(",", failed.Isr), (ErrorCode)partition.ErrorCode);
                    }
                }
            }
            if (response.ErrorCode != 0)
            {
                throw new ControllerException((ErrorCode)response.ErrorCode, $"AlterPartition refused: {(ErrorCode)response.ErrorCode}");
            }
        }
        catch
        {
            foreach (var (replica, _) in changes)
            {
                replica.IsrChangePending = false;
            }
            throw;
        }
    }
}
