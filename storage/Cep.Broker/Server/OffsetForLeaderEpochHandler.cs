using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage;

namespace Cep.Broker.Server;

/// <summary>
/// OffsetForLeaderEpoch (v0–3) by Kafka's rules, from the partition's leader-epoch cache:
/// for a requested epoch, the largest epoch the log has that is not newer and the offset where
/// it ends (the log end for the current epoch); −1 and −1 for an epoch newer than any the log
/// has. A client whose current leader epoch (v2+, −1 for none) is newer than the partition's
/// gets UNKNOWN_LEADER_EPOCH (this broker is behind); an older one FENCED_LEADER_EPOCH (the
/// client is). Consumers use it to validate their position after a leader change; followers to
/// find where to truncate.
/// </summary>
public static class OffsetForLeaderEpochHandler
{
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
            var log = broker.LeaderLog(topic, partition.Partition);
            if (partition.CurrentLeaderEpoch > log.LeaderEpoch)
            {
                answer.ErrorCode = (short)ErrorCode.UnknownLeaderEpoch;
            }
            else if (partition.CurrentLeaderEpoch >= 0 && partition.CurrentLeaderEpoch < log.LeaderEpoch)
            {
                answer.ErrorCode = (short)ErrorCode.FencedLeaderEpoch;
            }
            else
            {
                var end = log.EndOffsetForEpoch(partition.LeaderEpoch);
                answer.LeaderEpoch = end.Epoch;
                answer.EndOffset = end.EndOffset;
            }
        }
        catch (StorageException e)
        {
            answer.ErrorCode = ErrorCodes.Of(e);
        }
        return answer;
    }
}
