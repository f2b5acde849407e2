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
