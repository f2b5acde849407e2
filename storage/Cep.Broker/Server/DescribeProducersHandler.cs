using Cep.Broker.Protocol.Messages;
using Cep.Storage;

namespace Cep.Broker.Server;

/// <summary>
/// DescribeProducers (v0): each partition's idempotent producers with their epoch, last
/// sequence and the time of their last batch — what a writer needs to know what of its own
/// output a partition already has (no transactions: coordinator epoch −1, no open transaction).
/// </summary>
public static class DescribeProducersHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<DescribeProducersRequest>((request, _) => new DescribeProducersResponse
        {
            Topics = request.Topics.Select(topic => new DescribeProducersResponse.TopicResponse
            {
                Name = topic.Name,
                Partitions = topic.PartitionIndexes.Select(partition => Describe(broker, topic.Name, partition)).ToList(),
            }).ToList(),
        });

    private static DescribeProducersResponse.PartitionResponse Describe(BrokerContext broker, string topic, int partition)
    {
        try
        {
            return new DescribeProducersResponse.PartitionResponse
            {
                PartitionIndex = partition,
                ActiveProducers = broker.LeaderLog(topic, partition).GetProducerStates().Select(p => new DescribeProducersResponse.ProducerState
                {
                    ProducerId = p.ProducerId,
                    ProducerEpoch = p.Epoch,
                    LastSequence = p.LastSequence,
                    LastTimestamp = p.Batches[^1].Timestamp,
                    CoordinatorEpoch = -1,
                }).ToList(),
            };
        }
        catch (StorageException e)
        {
            return new DescribeProducersResponse.PartitionResponse { PartitionIndex = partition, ErrorCode = ErrorCodes.Of(e), ErrorMessage = e.Message };
        }
    }
}
