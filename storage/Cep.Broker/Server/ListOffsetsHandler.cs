using Cep.Broker.Protocol.Messages;
using Cep.Storage;
using Cep.Storage.Log;
using Cep.Storage.Records;

namespace Cep.Broker.Server;

/// <summary>
/// ListOffsets: −2 is the log start offset, −1 the end (high watermark, also under
/// read_committed: no open transactions), any other timestamp the first record at or after it
/// with that record's timestamp (−1/−1 when there is none).
/// </summary>
public static class ListOffsetsHandler
{
    private const long Earliest = -2;
    private const long Latest = -1;

    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<ListOffsetsRequest>((request, _) => new ListOffsetsResponse
        {
            Topics = request.Topics.Select(topic => new ListOffsetsResponse.ListOffsetsTopicResponse
            {
                Name = topic.Name,
                Partitions = topic.Partitions.Select(p => Answer(broker, topic.Name, p)).ToList(),
            }).ToList(),
        });

    private static ListOffsetsResponse.ListOffsetsPartitionResponse Answer(BrokerContext broker, string topic, ListOffsetsRequest.ListOffsetsPartition partition)
    {
        var answer = new ListOffsetsResponse.ListOffsetsPartitionResponse { PartitionIndex = partition.PartitionIndex, LeaderEpoch = 0 };
        try
        {
            var log = broker.LeaderLog(topic, partition.PartitionIndex, partition.CurrentLeaderEpoch);
            switch (partition.Timestamp)
            {
                case Earliest:
                    answer.Offset = log.LogStartOffset;
                    break;
                case Latest:
                    answer.Offset = log.HighWatermark;
                    break;
                default:
                    if (log.OffsetForTimestamp(partition.Timestamp) is long offset)
                    {
                        answer.Offset = offset;
                        answer.Timestamp = TimestampAt(log, offset);
                    }
                    break;
            }
        }
        catch (StorageException e)
        {
            answer.ErrorCode = ErrorCodes.Of(e);
        }
        return answer;
    }

    private static long TimestampAt(PartitionLog log, long offset)
    {
        foreach (var batch in RecordBatch.ReadAll(log.Read(offset, 1).Records))
        {
            foreach (var record in batch)
            {
                if (record.Offset >= offset)
                {
                    return record.Timestamp;
                }
            }
        }
        return -1;
    }
}
