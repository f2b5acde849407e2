using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage;
using Cep.Storage.Log;

namespace Cep.Broker.Server;

/// <summary>
/// Fetch: stored batches sent as they are on disk, starting with the batch that holds the
/// fetch offset (clients skip the records before it), whole batches only, within the request's
/// and each partition's byte limits — but at least one batch, so a large batch is never stuck.
/// With less than MinBytes available the request waits up to MaxWaitMs for appends to any of
/// its partitions. Every partition reports the current high watermark (the last stable offset
/// is the same: no open transactions), an empty record set rather than a null one, no aborted
/// transactions and no preferred replica. Fetch sessions are not kept (session id 0: every
/// request is a full one). In a cluster only the partition's leader answers; a fetch from a
/// follower (a replica id ≥ 0) reads past the high watermark to the log end, waits for appends
/// rather than for the high watermark, and tells the leader how far that follower is.
/// </summary>
public static class FetchHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<FetchRequest>((request, _) => AnswerAsync(broker, request));

    private static async Task<IKafkaMessage?> AnswerAsync(BrokerContext broker, FetchRequest request)
    {
        var response = Read(broker, request, out long bytes);
        if (bytes < request.MinBytes && request.MaxWaitMs > 0)
        {
            using var wait = new CancellationTokenSource(request.MaxWaitMs);
            var waits = request.Topics.SelectMany(t => t.Partitions.Select(p => WaitAsync(broker, t.Topic, p, request.ReplicaId >= 0, wait.Token))).ToList();
            if (waits.Count > 0)
            {
                await Task.WhenAny(waits).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(waits).ConfigureAwait(false);
                response = Read(broker, request, out _);
            }
        }
        return response;
    }

    /// <summary>Completes when the partition has data at the fetch offset or the wait is over (never throws).</summary>
    private static async Task WaitAsync(BrokerContext broker, string topic, FetchRequest.FetchPartition partition, bool replica, CancellationToken cancellation)
    {
        try
        {
            await broker.LeaderLog(topic, partition.Partition).WaitForDataAsync(partition.FetchOffset, cancellation, toLogEnd: replica).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || ErrorCodes.IsClientError(e))
        {
            // Timed out, closed (the broker stops), or the partition answers with an error code anyway.
        }
    }

    /// <summary>A follower's fetch at the leader: checked against the leader's epoch, and its offset noted as the follower's log end.</summary>
    private static PartitionLog FollowerFetch(Cluster.ClusterNode cluster, string topic, FetchRequest.FetchPartition partition, int follower)
    {
        var replica = cluster.Replicas.Leader(topic, partition.Partition, partition.CurrentLeaderEpoch);
        cluster.Replicas.RecordFollowerFetch(replica, follower, partition.FetchOffset);
        return replica.Log;
    }

    private static FetchResponse Read(BrokerContext broker, FetchRequest request, out long total)
    {
        total = 0;
        long budget = request.MaxBytes;
        var response = new FetchResponse();
        foreach (var topic in request.Topics)
        {
            var answer = new FetchResponse.FetchableTopicResponse { Topic = topic.Topic };
            foreach (var partition in topic.Partitions)
            {
                var data = new FetchResponse.PartitionData { PartitionIndex = partition.Partition, AbortedTransactions = [], Records = ReadOnlyMemory<byte>.Empty };
                try
                {
                    bool follower = request.ReplicaId >= 0 && broker.Cluster is not null;
                    var log = follower ? FollowerFetch(broker.Cluster!, topic.Topic, partition, request.ReplicaId) : broker.LeaderLog(topic.Topic, partition.Partition, partition.CurrentLeaderEpoch);
                    // A consumer reads up to the high watermark, a follower up to the log end.
                    long end = follower ? log.LogEndOffset : log.HighWatermark;
                    // At least one batch for the first partition with data, however large; after that, what fits.
                    int limit = (int)Math.Min(partition.PartitionMaxBytes, total == 0 ? Math.Max(budget, 1) : budget);
                    var fetched = limit > 0 && partition.FetchOffset < end
                        ? (follower ? log.ReadForReplica(partition.FetchOffset, limit) : log.Read(partition.FetchOffset, limit))
                        : new FetchResult(ReadOnlyMemory<byte>.Empty, log.HighWatermark, log.LogStartOffset);
                    // Between the high watermark and the log end is not out of range: a new leader's
                    // high watermark may lag for a moment behind what consumers already read.
                    if (partition.FetchOffset > log.LogEndOffset || partition.FetchOffset < log.LogStartOffset)
                    {
                        throw new OffsetOutOfRangeException($"offset {partition.FetchOffset} is out of range for {log.Name}; valid offsets are [{log.LogStartOffset}, {log.LogEndOffset}]");
                    }
                    data.Records = fetched.Records;
                    data.HighWatermark = fetched.HighWatermark;
                    data.LastStableOffset = fetched.HighWatermark;
                    data.LogStartOffset = fetched.LogStartOffset;
                    total += fetched.Records.Length;
                    budget -= fetched.Records.Length;
                }
                catch (StorageException e)
                {
                    data.ErrorCode = ErrorCodes.Of(e);
                    data.HighWatermark = -1;
                }
                answer.Partitions.Add(data);
            }
            response.Responses.Add(answer);
        }
        return response;
    }
}
