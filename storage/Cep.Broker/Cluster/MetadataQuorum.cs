using System.Net;
using Cep.Broker.Protocol;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using Microsoft.Extensions.Logging;

namespace Cep.Broker.Cluster;

/// <summary>
/// This controller's seat in the metadata quorum: a DotNext Raft member over TCP among the
/// fixed set of voters, whose replicated log is the cluster's metadata log
/// (<see cref="MetadataStateMachine"/>, persisted in a write-ahead log under
/// <see cref="QuorumOptions.Directory"/>). The Raft leader is the active controller: only it
/// appends (<see cref="AppendAsync"/>), and an append returns once a majority has the entry and
/// this member has applied it. Every member applies every committed entry in order, so every
/// member's <see cref="Image"/> goes through the same sequence. A fresh member never elects
/// itself alone (no cold start): the voters are fixed from the start and a majority of them
/// must be up.
/// Thread-safety: every member is thread-safe; appends are serialized.
/// </summary>
public sealed class MetadataQuorum : IAsyncDisposable
{
    private readonly QuorumOptions _options;
    private readonly RaftCluster _raft;
    private readonly WriteAheadLog _log;
    private readonly MetadataStateMachine _state;
    private readonly SemaphoreSlim _appendLock = new(1, 1);

    private MetadataQuorum(QuorumOptions options, RaftCluster raft, WriteAheadLog log, MetadataStateMachine state)
    {
        _options = options;
        _raft = raft;
        _log = log;
        _state = state;
        _raft.LeaderChanged += (_, _) => LeaderChanged?.Invoke(LeaderId);
    }

    /// <summary>The active controller changed (its node id, or null while there is none).</summary>
    public event Action<int?>? LeaderChanged;

    public int NodeId => _options.NodeId;

    public IReadOnlyDictionary<int, IPEndPoint> Voters => _options.Voters;

    /// <summary>The metadata as of the last entry this member applied.</summary>
    public ClusterImage Image => _state.Image;

    /// <summary>The node id of the active controller, or null while there is none.</summary>
    public int? LeaderId => _raft.Leader is { } leader ? IdOf(leader.EndPoint) : null;

    /// <summary>True while this member is the Raft leader, i.e. the active controller.</summary>
    public bool IsLeader => _raft.Leader is { IsRemote: false } && !_raft.LeadershipToken.IsCancellationRequested;

    /// <summary>Cancelled when this member stops leading (valid while <see cref="IsLeader"/>).</summary>
    public CancellationToken LeadershipToken => _raft.LeadershipToken;

    /// <summary>The Raft term, for status.</summary>
    public long Term => _raft.Term;

    /// <summary>Opens this member's log (restoring its snapshot) and joins the quorum.</summary>
    public static async Task<MetadataQuorum> StartAsync(QuorumOptions options, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        if (!options.Voters.TryGetValue(options.NodeId, out var self))
        {
            throw new ArgumentException($"node {options.NodeId} is not one of the controllers ({string.Join(", ", options.Voters.Keys)})", nameof(options));
        }
        Directory.CreateDirectory(options.Directory);
        var state = new MetadataStateMachine(new DirectoryInfo(Path.Combine(options.Directory, "snapshots")), options.SnapshotInterval);
        // The snapshot first: the write-ahead log reads the state machine's snapshot index when it opens.
        await state.RestoreAsync(cancellationToken).ConfigureAwait(false);
        var log = new WriteAheadLog(new WriteAheadLog.Options { Location = Path.Combine(options.Directory, "log") }, state);
        int election = (int)options.ElectionTimeout.TotalMilliseconds;
        var configuration = new RaftCluster.TcpConfiguration(self)
        {
            LowerElectionTimeout = election,
            UpperElectionTimeout = election * 2,
            HeartbeatThreshold = 0.3,
            RequestTimeout = options.ElectionTimeout,
            ColdStart = false,
            ConfigurationStorage = null, // in memory, from the fixed voters below
            LoggerFactory = logging,
        };
        var members = ((InMemoryClusterConfigurationStorage<EndPoint>)configuration.ConfigurationStorage!).CreateInitialConfigurationBuilder();
        foreach (var voter in options.Voters.Values)
        {
            members.Add(voter);
        }
        members.Build();
        var raft = new RaftCluster(configuration) { AuditTrail = log };
        try
        {
            await raft.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await raft.DisposeAsync().ConfigureAwait(false);
            await log.DisposeAsync().ConfigureAwait(false);
            await state.DisposeAsync().ConfigureAwait(false);
            if (e is System.Net.Sockets.SocketException socket)
            {
                throw new IOException($"cannot listen for the controller quorum on {self}: {socket.Message}", socket);
            }
            throw;
        }
        return new MetadataQuorum(options, raft, log, state);
    }

    /// <summary>
    /// The active controller appends one decision's records as one entry; returns the image
    /// that includes them, once a majority holds the entry and this member applied it.
    /// <paramref name="decide"/> runs under the append lock on the latest image, so decisions
    /// never interleave. Returns <paramref name="decide"/>'s image unchanged when it decides nothing.
    /// </summary>
    /// <exception cref="ControllerException">NOT_CONTROLLER: this member is not (or no longer) the leader.</exception>
    public async Task<ClusterImage> AppendAsync(Func<ClusterImage, IReadOnlyList<MetadataRecord>> decide, CancellationToken cancellationToken)
    {
        await _appendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Just elected, a member is the leader a moment before it may lead: give it that moment.
            for (int wait = 0; !IsLeader && LeaderId == NodeId && wait < 20; wait++)
            {
                await Task.Delay(_options.ElectionTimeout / 10, cancellationToken).ConfigureAwait(false);
            }
            if (!IsLeader)
            {
                throw NotController();
            }
            var image = Image;
            var records = decide(image);
            if (records.Count == 0)
            {
                return image;
            }
            // Without a majority a replication never returns by itself: give it a few election rounds.
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _raft.LeadershipToken);
            leading.CancelAfter(_options.ElectionTimeout * 10);
            try
            {
                await _raft.ReplicateAsync(MetadataRecordSerde.EncodeBatch(records), context: null, leading.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NotLeaderException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw NotController();
            }
            return Image;
        }
        finally
        {
            _appendLock.Release();
        }
    }

    /// <summary>Completes once this member has applied an entry beyond <paramref name="offset"/>.</summary>
    public Task WaitBeyondAsync(long offset, CancellationToken cancellationToken) => _state.WaitBeyondAsync(offset, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _raft.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _raft.DisposeAsync().ConfigureAwait(false);
        await _log.DisposeAsync().ConfigureAwait(false);
        await _state.DisposeAsync().ConfigureAwait(false);
        _appendLock.Dispose();
    }

    private ControllerException NotController() =>
        new(ErrorCode.NotController, $"node {NodeId} is not the active controller{(LeaderId is { } leader ? $"; node {leader} is" : "; there is none now")}");

    private int? IdOf(EndPoint endpoint)
    {
        foreach (var (id, voter) in _options.Voters)
        {
            if (voter.Equals(endpoint))
            {
                return id;
            }
        }
        return null;
    }
}
