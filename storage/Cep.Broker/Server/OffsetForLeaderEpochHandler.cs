using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage;

namespace Cep.Broker.Server;

/// <summary>
/// OffsetForLeaderEpoch (v0–3) for a log that has had one leader epoch, 0, since it was created
/// (one broker, never a leader change): any requested epoch up to 0 ends at the high watermark,
/// so a consumer validating its position after a metadata refresh keeps it. An epoch above 0
/// (requested, or the client's current one, v2+) is one this broker never had:
/// UNKNOWN_LEADER_EPOCH with epoch and end offset −1.
/// </summary>
public static class OffsetForLeaderEpochHandler
{
    private const int LeaderEpoch = 0;

    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<OffsetForLeaderEpochRequest>((request, _) => new OffsetForLeaderEpochResponse
        {
            Topics = request.Topics.Select(topic => new OffsetForLeaderEpochResponse.OffsetForLeaderTopicResult
            {
                Topic = topic.Topic,
                Partitions = topic.Partitions.Select(p => Answer(broker, topic.Topic, p)).ToList(),
            }).ToList(),
        });

    private static OffsetForLeaderEpochResponse.OffsetForLeaderPartitionResult Answer(BrokerContext broker, string topic, OffsetForLeaderEpochRequest.OffsetForLeaderPartition partition)
    {
        var answer = new OffsetForLeaderEpochResponse.OffsetForLeaderPartitionResult { Partition = partition.Partition, LeaderEpoch = -1, EndOffset = -1 };
        try
        {
            var log = broker.Store.GetPartition(topic, partition.Partition);
            if (partition.LeaderEpoch > LeaderEpoch || partition.CurrentLeaderEpoch > LeaderEpoch)
            {
                answer.ErrorCode = (short)ErrorCode.UnknownLeaderEpoch;
            }
            else
            {
                answer.LeaderEpoch = LeaderEpoch;
                answer.EndOffset = log.HighWatermark;
            }
        }
        catch (StorageException e)
        {
            answer.ErrorCode = ErrorCodes.Of(e);
        }
        return answer;
    }
}
