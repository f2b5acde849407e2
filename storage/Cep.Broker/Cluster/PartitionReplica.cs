using Cep.Broker.Protocol;
using Cep.Storage.Log;

namespace Cep.Broker.Cluster;

/// <summary>
/// This broker's replica of one partition: its log and its part in the partition's state as
/// the metadata log last said it (<see cref="State"/>). As the leader it takes appends, keeps
/// what each follower has (the offset it fetches from is its log end) and moves the high
/// watermark to the smallest log end among the in-sync replicas, so a record is visible — and
/// acknowledged to acks=all — only once every in-sync replica has it. It says which followers
/// have caught up (to add to the ISR) and which have lagged for too long (to remove); the
/// controller decides, and the change comes back in <see cref="State"/>. As a follower the
/// <see cref="ReplicaFetcher"/> fills its log. A leader's appends and waits end with
/// NOT_LEADER_OR_FOLLOWER once its term as leader is over.
/// Thread-safety: thread-safe; follower bookkeeping under one lock.
/// </summary>
public sealed class PartitionReplica
{
    private readonly object _gate = new();
    private readonly Dictionary<int, Follower> _followers = [];
    private readonly int _nodeId;
    private PartitionRecord _state;
    private CancellationTokenSource _leadership = new();

    /// <summary>A replica that neither leads nor follows until its first <see cref="Apply"/>.</summary>
    internal PartitionReplica(PartitionLog log, int nodeId)
    {
        Log = log;
        _nodeId = nodeId;
        _state = new PartitionRecord(log.Topic, log.Partition, [], [], Leader: -1, LeaderEpoch: -1, PartitionEpoch: -1);
        log.TrackHighWatermark();
    }

    public PartitionLog Log { get; }

    public PartitionRecord State => Volatile.Read(ref _state);

    public bool IsLeader => State.Leader == _nodeId;

    /// <summary>True while an ISR change this leader asked for is not yet back in the metadata.</summary>
    internal bool IsrChangePending { get; set; }

    /// <summary>Takes the partition's new state: becoming leader (a new epoch) resets what it knows of followers; leaving the lead ends waits.</summary>
    internal void Apply(PartitionRecord state, long nowMs)
    {
        lock (_gate)
        {
            var previous = _state;
            Volatile.Write(ref _state, state);
            bool wasLeading = previous.Leader == _nodeId;
            bool newTerm = state.Leader == _nodeId && (!wasLeading || previous.LeaderEpoch != state.LeaderEpoch);
            if (wasLeading && (state.Leader != _nodeId || previous.LeaderEpoch != state.LeaderEpoch))
            {
                _leadership.Cancel();
                _leadership.Dispose();
                _leadership = new CancellationTokenSource();
            }
            if (newTerm)
            {
                Log.BecomeLeader(state.LeaderEpoch);
                _followers.Clear();
                // Every in-sync follower gets a full lag period from now, as in Kafka.
                foreach (int replica in state.Replicas.Where(r => r != _nodeId))
                {
                    _followers[replica] = new Follower { LogEnd = -1, LastCaughtUpMs = nowMs };
                }
            }
            if (state.PartitionEpoch != previous.PartitionEpoch)
            {
                IsrChangePending = false;
            }
        }
        if (state.Leader == _nodeId)
        {
            UpdateHighWatermark();
        }
    }

    /// <summary>Checks that this broker leads the partition (in the client's epoch, when it names one); returns the token of this term as leader.</summary>
    /// <exception cref="ReplicaException">Not the leader, or the client's epoch differs.</exception>
    public CancellationToken CheckLeader(int currentLeaderEpoch)
    {
        var state = State;
        if (state.Leader != _nodeId)
        {
            throw new ReplicaException(ErrorCode.NotLeaderOrFollower, $"{Log.Name}: broker {_nodeId} is not the leader (the leader is {(state.Leader >= 0 ? $"broker {state.Leader}" : "none now")})");
        }
        if (currentLeaderEpoch >= 0 && currentLeaderEpoch != state.LeaderEpoch)
        {
            throw new ReplicaException(
                currentLeaderEpoch < state.LeaderEpoch ? ErrorCode.FencedLeaderEpoch : ErrorCode.UnknownLeaderEpoch,
                $"{Log.Name}: leader epoch {currentLeaderEpoch} is not the current one ({state.LeaderEpoch})");
        }
        lock (_gate)
        {
            return _leadership.Token;
        }
    }

    /// <summary>
    /// A produce as the leader: acks=all needs min.insync.replicas in sync before the append,
    /// and is acknowledged once the high watermark passes it (once every in-sync replica has it).
    /// </summary>
    public async Task<AppendResult> AppendAsync(Memory<byte> batches, short acks, TimeSpan timeout)
    {
        CancellationToken leading;
        ValueTask<AppendResult> append;
        // Checked and written under the replica's lock, as a follower's fetch and a change of role
        // are: a produce that passed the check must not land after this replica became a follower
        // (it would be stamped with the new leader's epoch and never truncated).
        lock (_gate)
        {
            leading = CheckLeader(-1);
            var state = State;
            if (acks == -1 && state.Isr.Count < Log.Config.MinInsyncReplicas)
            {
                throw new ReplicaException(ErrorCode.NotEnoughReplicas, $"{Log.Name}: {state.Isr.Count} replica(s) in sync [{string.Join(",", state.Isr)}], min.insync.replicas is {Log.Config.MinInsyncReplicas}");
            }
            append = Log.AppendAsync(batches); // written before this returns; only the durability wait is left
        }
        var result = await append.ConfigureAwait(false);
        UpdateHighWatermark();
        if (acks != -1)
        {
            return result;
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(leading);
        wait.CancelAfter(timeout);
        try
        {
            await Log.WaitForDataAsync(result.LastOffset, wait.Token).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            throw new ReplicaException(ErrorCode.NotLeaderOrFollower, $"{Log.Name}: broker {_nodeId} is shutting down; offsets {result.FirstOffset}..{result.LastOffset} are not confirmed");
        }
        catch (OperationCanceledException)
        {
            throw leading.IsCancellationRequested
                ? new ReplicaException(ErrorCode.NotLeaderOrFollower, $"{Log.Name}: broker {_nodeId} stopped leading before the in-sync replicas had offsets {result.FirstOffset}..{result.LastOffset}")
                : new ReplicaException(ErrorCode.RequestTimedOut, $"{Log.Name}: the in-sync replicas [{string.Join(",", State.Isr)}] did not confirm offsets {result.FirstOffset}..{result.LastOffset} within {timeout.TotalSeconds:0.#} s");
        }
        return result;
    }

    /// <summary>
    /// A follower fetched from <paramref name="fetchOffset"/>, so its log ends there. Moves the
    /// high watermark; returns true when the follower, not in the ISR, has caught up enough to
    /// join it (its log end reached the high watermark and this leader's first offset).
    /// </summary>
    internal bool RecordFollowerFetch(int replica, long fetchOffset, long nowMs)
    {
        bool joins;
        lock (_gate)
        {
            if (!_followers.TryGetValue(replica, out var follower))
            {
                return false; // not a replica of this partition
            }
            long leaderEnd = Log.LogEndOffset;
            if (fetchOffset >= leaderEnd)
            {
                follower.LastCaughtUpMs = nowMs;
            }
            else if (fetchOffset >= follower.LeaderEndAtLastFetch)
            {
                follower.LastCaughtUpMs = follower.LastFetchMs;
            }
            follower.LogEnd = fetchOffset;
            follower.LeaderEndAtLastFetch = leaderEnd;
            follower.LastFetchMs = nowMs;
            joins = CanJoinLocked(replica);
        }
        UpdateHighWatermark();
        return joins;
    }

    /// <summary>True when <paramref name="replica"/>, not in the ISR, has caught up enough to join it.</summary>
    internal bool CanJoinIsr(int replica)
    {
        lock (_gate)
        {
            return CanJoinLocked(replica);
        }
    }

    /// <summary>In-sync followers that have not caught up for longer than <paramref name="maxLagMs"/>.</summary>
    internal List<int> LaggingInSync(long nowMs, long maxLagMs)
    {
        lock (_gate)
        {
            return State.Isr.Where(r => r != _nodeId && _followers.TryGetValue(r, out var f) && nowMs - f.LastCaughtUpMs > maxLagMs).ToList();
        }
    }

    /// <summary>The high watermark as the leader sees it: the smallest log end of the in-sync replicas (a follower not heard from since this term began holds it).</summary>
    internal void UpdateHighWatermark()
    {
        long watermark;
        lock (_gate)
        {
            var state = State;
            if (state.Leader != _nodeId)
            {
                return;
            }
            watermark = Log.LogEndOffset;
            foreach (int replica in state.Isr.Where(r => r != _nodeId))
            {
                long end = _followers.TryGetValue(replica, out var f) ? f.LogEnd : -1;
                watermark = Math.Min(watermark, end < 0 ? Log.HighWatermark : end);
            }
        }
        Log.AdvanceHighWatermark(watermark);
    }

    /// <summary>
    /// A follower's append of what it fetched from the leader of <paramref name="leaderEpoch"/>;
    /// nothing happens (false) once this replica leads or follows another epoch — a fetch that
    /// was in flight when the metadata changed must not write into a leader's log.
    /// </summary>
    internal async Task<bool> AppendAsFollowerAsync(Memory<byte> records, int leaderEpoch)
    {
        ValueTask<AppendResult> append;
        lock (_gate)
        {
            if (!Follows(leaderEpoch))
            {
                return false;
            }
            append = Log.AppendReplicatedAsync(records); // written before this returns: the role cannot change under it
        }
        await append.ConfigureAwait(false);
        return true;
    }

    /// <summary>A follower's truncation (to the leader's epoch boundary); nothing happens once this replica leads or follows another epoch.</summary>
    internal bool TruncateAsFollower(long offset, int leaderEpoch, bool startOver = false)
    {
        lock (_gate)
        {
            if (!Follows(leaderEpoch))
            {
                return false;
            }
            if (startOver)
            {
                Log.TruncateFullyAndStartAt(offset);
            }
            else
            {
                Log.TruncateTo(offset);
            }
            return true;
        }
    }

    private bool Follows(int leaderEpoch) => _state.Leader != _nodeId && _state.Leader >= 0 && _state.LeaderEpoch == leaderEpoch;

    /// <summary>Kafka's rule: a follower joins once its log end has reached the high watermark and the first offset of this leader's term.</summary>
    private bool CanJoinLocked(int replica)
    {
        if (!_followers.TryGetValue(replica, out var follower) || State.Isr.Contains(replica))
        {
            return false;
        }
        long termStart = Log.LeaderEpochs is { Count: > 0 } epochs ? epochs[^1].StartOffset : 0;
        return follower.LogEnd >= Log.HighWatermark && follower.LogEnd >= termStart;
    }

    private sealed class Follower
    {
        public long LogEnd { get; set; }

        public long LastCaughtUpMs { get; set; }

        public long LastFetchMs { get; set; }

        public long LeaderEndAtLastFetch { get; set; }
    }
}
