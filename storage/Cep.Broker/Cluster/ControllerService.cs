using Cep.Broker.Protocol;
using Microsoft.Extensions.Logging;

namespace Cep.Broker.Cluster;

/// <summary>
/// The controller of one controller node: while its quorum member leads, it is the active
/// controller — it registers itself unless it is registered as it is (so the other nodes learn where to send their requests),
/// fences brokers that fall silent and elects new leaders (a tick every
/// <see cref="TickInterval"/>), moves leadership back to preferred replicas every
/// <see cref="PreferredLeaderInterval"/>, and serves the requests brokers and admin clients send
/// it. Every request becomes one decision of <see cref="ClusterController"/>, appended to the
/// metadata log before it is answered; a node that does not lead refuses with NOT_CONTROLLER.
/// Thread-safety: thread-safe (decisions serialize in <see cref="MetadataQuorum.AppendAsync"/>).
/// </summary>
public sealed class ControllerService : IAsyncDisposable
{
    private readonly MetadataQuorum _quorum;
    private readonly ClusterController _controller;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Func<(string Host, int Port, Guid Incarnation)> _self;

    /// <param name="self">Where this node serves Kafka clients and which data directory it has (asked when it becomes active).</param>
    public ControllerService(MetadataQuorum quorum, ControllerOptions options, Func<(string Host, int Port, Guid Incarnation)> self, TimeProvider time, ILogger logger)
    {
        _quorum = quorum;
        _controller = new ClusterController(options, time);
        _self = self;
        _logger = logger;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan PreferredLeaderInterval { get; init; } = TimeSpan.FromSeconds(10);

    public ControllerOptions Options => _controller.Options;

    public async Task<long> RegisterBrokerAsync(int nodeId, string host, int port, Guid incarnation, CancellationToken cancellationToken)
    {
        long epoch = -1;
        await DecideAsync(image =>
        {
            var (assigned, records) = _controller.RegisterBroker(image, nodeId, host, port, incarnation);
            epoch = assigned;
            return records;
        }, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("Broker {Node} registered at {Host}:{Port} with epoch {Epoch}", nodeId, host, port, epoch);
        return epoch;
    }

    /// <summary>A heartbeat; returns whether the broker is fenced after it.</summary>
    public async Task<bool> HeartbeatAsync(int nodeId, long epoch, CancellationToken cancellationToken)
    {
        var image = await DecideAsync(image => _controller.Heartbeat(image, nodeId, epoch), cancellationToken).ConfigureAwait(false);
        return image.Brokers.TryGetValue(nodeId, out var broker) && broker.Fenced;
    }

    public async Task<PartitionRecord> AlterPartitionAsync(string topic, int partition, int leader, int leaderEpoch, int partitionEpoch, IReadOnlyList<int> isr, CancellationToken cancellationToken)
    {
        PartitionRecord? state = null;
        await DecideAsync(image =>
        {
            var (next, records) = _controller.AlterPartition(image, topic, partition, leader, leaderEpoch, partitionEpoch, isr);
            state = next;
            return records;
        }, cancellationToken).ConfigureAwait(false);
        _logger.LogInformation("{Topic}/{Partition}: ISR now [{Isr}] (leader {Leader}, epoch {Epoch})", topic, partition, string.Join(",", state!.Isr), leader, leaderEpoch);
        return state;
    }

    /// <summary>Creates a topic (or, <paramref name="validateOnly"/>, checks that it could be created).</summary>
    public Task CreateTopicAsync(string name, int partitions, int replicationFactor, IReadOnlyDictionary<string, string> configs, bool validateOnly, CancellationToken cancellationToken)
    {
        if (validateOnly)
        {
            RequireActive();
            _controller.CreateTopic(_quorum.Image, name, partitions, replicationFactor, configs);
            return Task.CompletedTask;
        }
        return DecideAsync(image => _controller.CreateTopic(image, name, partitions, replicationFactor, configs), cancellationToken);
    }

    public Task CreatePartitionsAsync(string name, int count, bool validateOnly, CancellationToken cancellationToken)
    {
        if (validateOnly)
        {
            RequireActive();
            _controller.CreatePartitions(_quorum.Image, name, count);
            return Task.CompletedTask;
        }
        return DecideAsync(image => _controller.CreatePartitions(image, name, count), cancellationToken);
    }

    public Task DeleteTopicAsync(string name, CancellationToken cancellationToken) =>
        DecideAsync(image => _controller.DeleteTopic(image, name), cancellationToken);

    public Task AlterConfigsAsync(string name, IReadOnlyDictionary<string, string?> changes, CancellationToken cancellationToken) =>
        DecideAsync(image => _controller.AlterConfigs(image, name, changes), cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private void RequireActive()
    {
        if (!_quorum.IsLeader)
        {
            throw new ControllerException(ErrorCode.NotController, $"node {_quorum.NodeId} is not the active controller{(_quorum.LeaderId is { } leader ? $"; node {leader} is" : "")}");
        }
    }

    private Task<ClusterImage> DecideAsync(Func<ClusterImage, IReadOnlyList<MetadataRecord>> decide, CancellationToken cancellationToken) =>
        _quorum.AppendAsync(decide, cancellationToken);

    /// <summary>Waits to lead; then, while leading, ticks. Each term as leader starts by registering this node and resetting liveness.</summary>
    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (!_quorum.IsLeader)
                {
                    await Task.Delay(TickInterval, stop).ConfigureAwait(false);
                    continue;
                }
                var leading = _quorum.LeadershipToken;
                _controller.Activate();
                _logger.LogInformation("Node {Node} is the active controller (term {Term})", _quorum.NodeId, _quorum.Term);
                // Registered as it is already, this node keeps its registration: registering again would fence it and take it out of every ISR.
                var (host, port, incarnation) = _self();
                if (!(_quorum.Image.Brokers.TryGetValue(_quorum.NodeId, out var known) && known.Host == host && known.Port == port && known.Incarnation == incarnation))
                {
                    await RegisterBrokerAsync(_quorum.NodeId, host, port, incarnation, stop).ConfigureAwait(false);
                }
                long lastPreferred = Environment.TickCount64;
                while (!leading.IsCancellationRequested && !stop.IsCancellationRequested)
                {
                    await DecideAsync(image => _controller.Tick(image), stop).ConfigureAwait(false);
                    if (Environment.TickCount64 - lastPreferred >= (long)PreferredLeaderInterval.TotalMilliseconds)
                    {
                        await DecideAsync(image => _controller.ElectPreferredLeaders(image), stop).ConfigureAwait(false);
                        lastPreferred = Environment.TickCount64;
                    }
                    await Task.Delay(TickInterval, stop).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (ControllerException e) when (e.Code == ErrorCode.NotController)
            {
                // Lost the lead mid-decision: wait for the next term.
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogError(e, "Controller loop on node {Node} failed; starting over", _quorum.NodeId);
                await Task.Delay(TickInterval, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
