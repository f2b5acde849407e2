using Cep.Broker.Groups;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Server;

/// <summary>
/// OffsetCommit and OffsetFetch. A commit for a partition that does not exist gets
/// UNKNOWN_TOPIC_OR_PARTITION and the others are committed; a member of another generation gets
/// ILLEGAL_GENERATION for all. A partition without a commit is fetched as offset −1 with no error.
/// </summary>
public static class GroupOffsetsHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker, GroupCoordinator groups)
    {
        registry.Add<OffsetCommitRequest>(async (request, _) =>
        {
            long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var topics = broker.Store.ListTopics().ToHashSet(StringComparer.Ordinal); // once, not per partition
            bool Exists(string topic, int partition) => partition >= 0 && topics.Contains(topic) && partition < broker.Store.PartitionCount(topic);
            var known = request.Topics.SelectMany(t => t.Partitions.Select(p => (Topic: t.Name ?? "", Partition: p)))
                .Where(r => Exists(r.Topic, r.Partition.PartitionIndex)).ToList();
            var error = ErrorCode.NotCoordinator;
            try
            {
                if (broker.CoordinatesGroups)
                {
                    error = await groups.CommitAsync(
                        request.GroupId,
                        request.MemberId,
                        request.GenerationId,
                        known.Select(r => (r.Topic, r.Partition.PartitionIndex, new CommittedOffset(r.Partition.CommittedOffset, r.Partition.CommittedLeaderEpoch, r.Partition.CommittedMetadata, now))).ToList()).ConfigureAwait(false);
                }
            }
            catch (Cep.Broker.Cluster.ReplicaException)
            {
                // The offsets topic's lead moved while this commit was replicated: the client commits again at the new coordinator.
                error = ErrorCode.NotCoordinator;
            }
            return new OffsetCommitResponse
            {
                Topics = request.Topics.Select(t => new OffsetCommitResponse.OffsetCommitResponseTopic
                {
                    Name = t.Name,
                    Partitions = t.Partitions.Select(p => new OffsetCommitResponse.OffsetCommitResponsePartition
                    {
                        PartitionIndex = p.PartitionIndex,
                        ErrorCode = Exists(t.Name ?? "", p.PartitionIndex) ? (short)error : (short)ErrorCode.UnknownTopicOrPartition,
                    }).ToList(),
                }).ToList(),
            };
        });
        registry.Add<OffsetFetchRequest>((request, _) =>
        {
            if (!broker.CoordinatesGroups)
            {
                return new OffsetFetchResponse
                {
                    ErrorCode = (short)ErrorCode.NotCoordinator,
                    Topics = (request.Topics ?? []).Select(t => new OffsetFetchResponse.OffsetFetchResponseTopic
                    {
                        Name = t.Name,
                        Partitions = t.PartitionIndexes.Select(p => new OffsetFetchResponse.OffsetFetchResponsePartition { PartitionIndex = p, CommittedOffset = -1, CommittedLeaderEpoch = -1, Metadata = "", ErrorCode = (short)ErrorCode.NotCoordinator }).ToList(),
                    }).ToList(),
                };
            }
            var wanted = request.Topics?.Select(t => (t.Name, t.PartitionIndexes)).ToList()
                ?? groups.Committed(request.GroupId).GroupBy(o => o.Key.Topic).Select(g => (g.Key, g.Select(o => o.Key.Partition).Order().ToList())).ToList();
            return new OffsetFetchResponse
            {
                Topics = wanted.Select(t => new OffsetFetchResponse.OffsetFetchResponseTopic
                {
                    Name = t.Item1,
                    Partitions = t.Item2.Select(p => groups.Committed(request.GroupId, t.Item1, p) is { } committed
                        ? new OffsetFetchResponse.OffsetFetchResponsePartition { PartitionIndex = p, CommittedOffset = committed.Offset, CommittedLeaderEpoch = committed.LeaderEpoch, Metadata = committed.Metadata ?? "" }
                        : new OffsetFetchResponse.OffsetFetchResponsePartition { PartitionIndex = p, CommittedOffset = -1, CommittedLeaderEpoch = -1, Metadata = "" }).ToList(),
                }).ToList(),
            };
        });
    }
}
