using Cep.Storage.Topics;
using Microsoft.Extensions.Logging;

namespace Cep.Broker.Cluster;

/// <summary>
/// One node of a Cep cluster, controller and broker in one process (KRaft's combined mode): its
/// seat in the metadata quorum, the controller that acts while that seat leads, the broker's
/// registration and heartbeats, and the replica manager that keeps the local logs as the
/// metadata says, fed by a loop that applies every new image. Started in two steps: the quorum
/// first (<see cref="StartAsync"/>), the rest once the Kafka listener is bound and the node
/// knows the address to register (<see cref="Attach"/>).
/// Thread-safety: thread-safe.
/// </summary>
public sealed class ClusterNode : IAsyncDisposable
{
    private readonly TopicStore _store;
    private readonly ClusterOptions _options;
    private readonly ILoggerFactory _logging;
    private readonly ILogger _logger;
    private readonly NodeIdentity _identity;
    private readonly CancellationTokenSource _stop = new();
    private (string Host, int Port) _address;
    private ControllerClient? _client;
    private BrokerLifecycle? _lifecycle;
    private ControllerService? _controller;
    private ReplicaManager? _replicas;
    private Task _applying = Task.CompletedTask;
    private Groups.GroupCoordinator? _groups;
    private bool _coordinating;

    private ClusterNode(TopicStore store, ClusterOptions options, NodeIdentity identity, MetadataQuorum quorum, ILoggerFactory logging)
    {
        _store = store;
        _options = options;
        _identity = identity;
        Quorum = quorum;
        _logging = logging;
        _logger = logging.CreateLogger("Cep.Cluster");
    }

    public int NodeId => _options.NodeId;

    public MetadataQuorum Quorum { get; }

    public ControllerService Controller => _controller ?? throw new InvalidOperationException("the node is not attached to its listener yet");

    public ControllerClient ControllerClient => _client ?? throw new InvalidOperationException("the node is not attached to its listener yet");

    public ReplicaManager Replicas => _replicas ?? throw new InvalidOperationException("the node is not attached to its listener yet");

    /// <summary>
    /// The node that coordinates consumer groups: the leader of the replicated offsets topic
    /// (one partition), so a group has one coordinator whichever node its members ask, and its
    /// committed offsets survive the coordinator. Null while the topic has no leader (or does not exist yet).
    /// </summary>
    public BrokerInfo? GroupCoordinatorNode =>
        Replicas.Image.Partition(Groups.OffsetStore.Topic, 0) is { Leader: >= 0 } offsets && Replicas.Image.Brokers.TryGetValue(offsets.Leader, out var broker) ? broker : null;

    /// <summary>True while this node coordinates the consumer groups.</summary>
    public bool IsGroupCoordinator => GroupCoordinatorNode?.NodeId == NodeId;

    /// <summary>This broker's registration epoch (−1 while unregistered).</summary>
    public long BrokerEpoch => _lifecycle?.Epoch ?? -1;

    public static async Task<ClusterNode> StartAsync(TopicStore store, ClusterOptions options, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        var identity = NodeIdentity.LoadOrCreate(store.DataDirectory, options.NodeId);
        var quorum = await MetadataQuorum.StartAsync(new QuorumOptions
        {
            NodeId = options.NodeId,
            Voters = options.Controllers,
            Directory = Path.Combine(store.DataDirectory, "metadata"),
            ElectionTimeout = options.ElectionTimeout,
        }, logging, cancellationToken).ConfigureAwait(false);
        return new ClusterNode(store, options, identity, quorum, logging);
    }

    /// <summary>The Kafka listener is up at <paramref name="host"/>:<paramref name="port"/>: the controller, registration and replicas start.</summary>
    public void Attach(string host, int port, string clusterId)
    {
        _address = (host, port);
        _client = new ControllerClient(Quorum, $"cep-broker-{NodeId}");
        _controller = new ControllerService(Quorum, _options.Controller, () => (host, port, _identity.Incarnation), TimeProvider.System, _logging.CreateLogger("Cep.Controller"));
        _lifecycle = new BrokerLifecycle(_client, _identity, clusterId, () => _address, _logging.CreateLogger("Cep.Broker"));
        _replicas = new ReplicaManager(_store, NodeId, _client, () => BrokerEpoch, _options.Replication, TimeProvider.System, _logging.CreateLogger("Cep.Replicas"));
        _applying = Task.Run(() => ApplyImagesAsync(_stop.Token));
    }

    /// <summary>The broker's group coordinator: told to reload the committed offsets whenever this node takes over the offsets topic.</summary>
    public void AttachGroups(Groups.GroupCoordinator groups) => _groups = groups;

    /// <summary>Appends commits to the offsets topic as its leader, acknowledged once every in-sync replica has them.</summary>
    public async Task AppendOffsetsAsync(Memory<byte> batch) =>
        await Replicas.Leader(Groups.OffsetStore.Topic, 0).AppendAsync(batch, acks: -1, _options.Replication.AckTimeout).ConfigureAwait(false);

    /// <summary>Asks the controller for the offsets topic (one partition, compacted, up to three replicas) if it does not exist yet; a refusal is left for the next ask.</summary>
    public async Task EnsureOffsetsTopicAsync()
    {
        var image = Replicas.Image;
        if (image.Topics.ContainsKey(Groups.OffsetStore.Topic))
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await ControllerClient.SendAsync<Protocol.Messages.CreateTopicsRequest, Protocol.Messages.CreateTopicsResponse>(new Protocol.Messages.CreateTopicsRequest
            {
                Topics = [new Protocol.Messages.CreateTopicsRequest.CreatableTopic
                {
                    Name = Groups.OffsetStore.Topic,
                    NumPartitions = 1,
                    ReplicationFactor = (short)Math.Min(3, image.LiveBrokers.Count()),
                    Configs = [new Protocol.Messages.CreateTopicsRequest.CreateableTopicConfig { Name = "cleanup.policy", Value = "compact" }],
                }],
            }, 4, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ControllerException or IOException or OperationCanceledException)
        {
            _logger.LogDebug("Node {Node}: the offsets topic is not created yet: {Message}", NodeId, e.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _applying.ConfigureAwait(false);
        if (_lifecycle is not null)
        {
            await _lifecycle.DisposeAsync().ConfigureAwait(false);
        }
        if (_controller is not null)
        {
            await _controller.DisposeAsync().ConfigureAwait(false);
        }
        if (_replicas is not null)
        {
            await _replicas.DisposeAsync().ConfigureAwait(false);
        }
        if (_client is not null)
        {
            await _client.DisposeAsync().ConfigureAwait(false);
        }
        await Quorum.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ApplyImagesAsync(CancellationToken stop)
    {
        long applied = long.MinValue;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var image = Quorum.Image;
                if (image.Offset != applied)
                {
                    Replicas.Apply(image);
                    applied = image.Offset;
                    bool coordinating = IsGroupCoordinator;
                    if (coordinating && !_coordinating)
                    {
                        _groups?.ReloadOffsets();
                        _logger.LogInformation("Node {Node} coordinates the consumer groups (it leads {Topic})", NodeId, Groups.OffsetStore.Topic);
                    }
                    _coordinating = coordinating;
                }
                await Quorum.WaitBeyondAsync(applied, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or Cep.Storage.StorageException)
            {
                _logger.LogError(e, "Node {Node}: applying metadata at {Offset} failed; trying again", NodeId, Quorum.Image.Offset);
                await Task.Delay(500, CancellationToken.None).ConfigureAwait(false);
                applied = long.MinValue;
            }
        }
    }
}
