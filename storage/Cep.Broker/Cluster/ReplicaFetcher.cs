using Cep.Broker.Client;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Cep.Broker.Cluster;

/// <summary>
/// Copies the partitions this broker follows from one leader broker, on a connection of its
/// own: a partition new to it (or under a new leader epoch) first truncates by Kafka's
/// leader-epoch rule — it asks the leader where its own latest epoch ends
/// (OffsetForLeaderEpoch) and cuts its log there, so a divergent tail it wrote as an earlier
/// leader goes and nothing the leader has does — and then every partition is fetched from its
/// log end (Fetch with this broker's replica id, which tells the leader how far it is), the
/// batches appended as they are and the high watermark taken from the leader. A partition the
/// leader no longer leads waits for the metadata to say who does. Connection failures are
/// retried after a pause.
/// Thread-safety: <see cref="Add"/>/<see cref="Remove"/> from any thread; one loop fetches.
/// </summary>
internal sealed class ReplicaFetcher : IAsyncDisposable
{
    private readonly BrokerInfo _leader;
    private readonly int _nodeId;
    private readonly ReplicationOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<(string Topic, int Partition), Fetching> _partitions = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ReplicaFetcher(BrokerInfo leader, int nodeId, ReplicationOptions options, ILogger logger)
    {
        _leader = leader;
        _nodeId = nodeId;
        _options = options;
        _logger = logger;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public BrokerInfo Leader => _leader;

    public bool IsEmpty
    {
        get
        {
            lock (_partitions)
            {
                return _partitions.Count == 0;
            }
        }
    }

    /// <summary>Fetches <paramref name="replica"/> from this leader in <paramref name="leaderEpoch"/>, truncating first.</summary>
    public void Add(PartitionReplica replica, int leaderEpoch)
    {
        lock (_partitions)
        {
            var key = (replica.Log.Topic, replica.Log.Partition);
            if (_partitions.TryGetValue(key, out var known) && known.LeaderEpoch == leaderEpoch)
            {
                return;
            }
            _partitions[key] = new Fetching(replica, leaderEpoch) { Truncated = false };
        }
        _changed.TrySetResult();
    }

    public void Remove(string topic, int partition)
    {
        lock (_partitions)
        {
            _partitions.Remove((topic, partition));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        KafkaConnection? connection = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    connection ??= await KafkaConnection.ConnectAsync(_leader.Host, _leader.Port, $"cep-replica-{_nodeId}", stop).ConfigureAwait(false);
                    List<Fetching> work;
                    lock (_partitions)
                    {
                        work = _partitions.Values.ToList();
                        if (work.Count == 0)
                        {
                            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                        }
                    }
                    if (work.Count == 0)
                    {
                        await Task.WhenAny(_changed.Task, Task.Delay(TimeSpan.FromSeconds(1), stop)).ConfigureAwait(false);
                        continue;
                    }
                    await TruncateAsync(connection, work.Where(w => !w.Truncated).ToList(), stop).ConfigureAwait(false);
                    await FetchAsync(connection, work.Where(w => w.Truncated).ToList(), stop).ConfigureAwait(false);
                }
                catch (Exception e) when (!stop.IsCancellationRequested)
                {
                    // Whatever went wrong, the fetcher must go on for its other partitions.
                    if (e is IOException or KafkaProtocolException or TimeoutException)
                    {
                        _logger.LogDebug("Replica fetcher {Node} ← {Leader}: {Message}; retrying", _nodeId, _leader.NodeId, e.Message);
                    }
                    else
                    {
                        _logger.LogError(e, "Replica fetcher {Node} ← {Leader} failed; retrying", _nodeId, _leader.NodeId);
                    }
                    if (connection is not null)
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                        connection = null;
                    }
                    await Task.Delay(TimeSpan.FromMilliseconds(200), stop).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Kafka's rule: cut at the end the leader gives for this log's latest epoch, or, if the leader's epoch there is older, at the smaller of its end and this log's end of that epoch.</summary>
    private async Task TruncateAsync(KafkaConnection connection, List<Fetching> pending, CancellationToken stop)
    {
        if (pending.Count == 0)
        {
            return;
        }
        var request = new OffsetForLeaderEpochRequest { ReplicaId = _nodeId };
        foreach (var topic in pending.GroupBy(p => p.Replica.Log.Topic))
        {
            request.Topics.Add(new OffsetForLeaderEpochRequest.OffsetForLeaderTopic
            {
                Topic = topic.Key,
                Partitions = topic.Select(p => new OffsetForLeaderEpochRequest.OffsetForLeaderPartition
                {
                    Partition = p.Replica.Log.Partition,
                    CurrentLeaderEpoch = p.LeaderEpoch,
                    LeaderEpoch = p.Replica.Log.LeaderEpochs is { Count: > 0 } epochs ? epochs[^1].Epoch : -1,
                }).ToList(),
            });
        }
        var response = await connection.SendAsync<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>(request, 3, stop).ConfigureAwait(false);
        foreach (var topic in response.Topics)
        {
            foreach (var answer in topic.Partitions)
            {
                var fetching = pending.FirstOrDefault(p => p.Replica.Log.Topic == topic.Topic && p.Replica.Log.Partition == answer.Partition);
                if (fetching is null || answer.ErrorCode != 0)
                {
                    continue; // the leader moved or is behind: the metadata will say; try again then
                }
                var log = fetching.Replica.Log;
                long cut = log.LogEndOffset;
                if (answer.LeaderEpoch >= 0 && answer.EndOffset >= 0)
                {
                    long ownEnd = log.LeaderEpochs is { Count: > 0 } epochs && epochs[^1].Epoch == answer.LeaderEpoch
                        ? log.LogEndOffset
                        : log.EndOffsetForEpoch(answer.LeaderEpoch).EndOffset is var end and >= 0 ? end : log.LogEndOffset;
                    cut = Math.Min(answer.EndOffset, ownEnd);
                }
                else if (log.LeaderEpochs.Count > 0)
                {
                    cut = Math.Min(cut, log.HighWatermark); // the leader knows none of this log's epochs: keep only what was committed
                }
                if (cut < log.LogEndOffset)
                {
                    _logger.LogInformation("{Partition}: truncating from {End} to {Cut}, the end of epoch {Epoch} on leader {Leader}", log.Name, log.LogEndOffset, cut, answer.LeaderEpoch, _leader.NodeId);
                    if (!fetching.Replica.TruncateAsFollower(cut, fetching.LeaderEpoch))
                    {
                        continue; // no longer a follower of this epoch: the metadata moved on
                    }
                }
                fetching.Truncated = true;
            }
        }
    }

    private async Task FetchAsync(KafkaConnection connection, List<Fetching> ready, CancellationToken stop)
    {
        if (ready.Count == 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), stop).ConfigureAwait(false);
            return;
        }
        var request = new FetchRequest
        {
            ReplicaId = _nodeId,
            MaxWaitMs = (int)_options.FetchMaxWait.TotalMilliseconds,
            MinBytes = 1,
            MaxBytes = 16 * 1024 * 1024,
            Topics = ready.GroupBy(f => f.Replica.Log.Topic).Select(t => new FetchRequest.FetchTopic
            {
                Topic = t.Key,
                Partitions = t.Select(f => new FetchRequest.FetchPartition
                {
                    Partition = f.Replica.Log.Partition,
                    CurrentLeaderEpoch = f.LeaderEpoch,
                    FetchOffset = f.Replica.Log.LogEndOffset,
                    PartitionMaxBytes = _options.FetchPartitionMaxBytes,
                }).ToList(),
            }).ToList(),
        };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(_options.FetchMaxWait + TimeSpan.FromSeconds(5));
        FetchResponse response;
        try
        {
            response = await connection.SendAsync<FetchRequest, FetchResponse>(request, 11, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new TimeoutException($"fetch from broker {_leader.NodeId} timed out");
        }
        foreach (var topic in response.Responses)
        {
            foreach (var data in topic.Partitions)
            {
                var fetching = ready.FirstOrDefault(f => f.Replica.Log.Topic == topic.Topic && f.Replica.Log.Partition == data.PartitionIndex);
                if (fetching is null)
                {
                    continue;
                }
                try
                {
                    await ApplyAsync(fetching, data).ConfigureAwait(false);
                }
                catch (Exception e) when (e is Cep.Storage.StorageException or ObjectDisposedException)
                {
                    // A mismatch means the logs diverged again (truncate first); a closed log, that the topic is gone.
                    _logger.LogWarning("{Partition}: replicating from broker {Leader} failed: {Message}", fetching.Replica.Log.Name, _leader.NodeId, e.Message);
                    fetching.Truncated = false;
                }
            }
        }
    }

    private async Task ApplyAsync(Fetching fetching, FetchResponse.PartitionData data)
    {
        var log = fetching.Replica.Log;
        switch ((ErrorCode)data.ErrorCode)
        {
            case ErrorCode.None:
                if (data.Records is { Length: > 0 } records && !await fetching.Replica.AppendAsFollowerAsync(records.ToArray(), fetching.LeaderEpoch).ConfigureAwait(false))
                {
                    return; // the metadata moved on while this fetch was in flight
                }
                log.AdvanceHighWatermark(Math.Min(data.HighWatermark, log.LogEndOffset));
                break;
            case ErrorCode.OffsetOutOfRange when log.LogEndOffset < data.LogStartOffset:
                // The leader's retention deleted what this log would need next: start over at its log start.
                _logger.LogWarning("{Partition}: the leader's log starts at {Start}, past this log's end {End}; starting over there", log.Name, data.LogStartOffset, log.LogEndOffset);
                fetching.Replica.TruncateAsFollower(data.LogStartOffset, fetching.LeaderEpoch, startOver: true);
                fetching.Truncated = false;
                break;
            case ErrorCode.OffsetOutOfRange:
                fetching.Truncated = false; // ahead of the leader: truncate again
                break;
            default:
                break; // not the leader (any more), or an epoch mismatch: the metadata will tell
        }
    }

    private sealed class Fetching(PartitionReplica replica, int leaderEpoch)
    {
        public PartitionReplica Replica => replica;

        public int LeaderEpoch => leaderEpoch;

        public bool Truncated { get; set; }
    }
}
