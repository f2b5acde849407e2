using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage;
using Cep.Storage.Topics;

namespace Cep.Broker.Server;

/// <summary>
/// CreatePartitions (v0–1): grows a topic to the requested count; a count not above the current
/// one is INVALID_PARTITIONS (partitions are never removed, as in Kafka). Assignments for the
/// new partitions are accepted only when each puts its partition on this node alone
/// (INVALID_REPLICA_ASSIGNMENT otherwise). ValidateOnly checks and changes nothing. A name given
/// twice in one request is INVALID_REQUEST for every copy, as in Kafka.
/// </summary>
public static class CreatePartitionsHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<CreatePartitionsRequest>((request, _) =>
        {
            var duplicates = TopicCreation.Repeated(request.Topics.Select(t => t.Name));
            return new CreatePartitionsResponse
            {
                Results = request.Topics.Select(topic => duplicates.Contains(topic.Name)
                    ? Failure(topic.Name, ErrorCode.InvalidRequest, $"topic '{topic.Name}' appears more than once in the request")
                    : Grow(broker, topic, request.ValidateOnly)).ToList(),
            };
        });

    private static CreatePartitionsResponse.CreatePartitionsTopicResult Grow(BrokerContext broker, CreatePartitionsRequest.CreatePartitionsTopic topic, bool validateOnly)
    {
        string name = topic.Name;
        if (topic.Assignments is { } assignments && assignments.Any(a => a.BrokerIds.Count != 1 || a.BrokerIds[0] != broker.NodeId))
        {
            return Failure(name, ErrorCode.InvalidReplicaAssignment, $"topic '{name}': this cluster has one broker (node {broker.NodeId}); each new partition must be assigned to it alone");
        }
        try
        {
            int current = broker.Store.PartitionCount(name);
            if (topic.Count <= current)
            {
                return Failure(name, ErrorCode.InvalidPartitions, $"topic '{name}' has {current} partitions; the new count must be larger, got {topic.Count}");
            }
            if (topic.Assignments is { Count: > 0 } given && given.Count != topic.Count - current)
            {
                return Failure(name, ErrorCode.InvalidReplicaAssignment, $"topic '{name}': {given.Count} assignments for {topic.Count - current} new partitions");
            }
            if (!validateOnly)
            {
                broker.Store.AddPartitions(name, topic.Count);
            }
            return new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = name };
        }
        catch (InvalidTopicException e)
        {
            // AddPartitions refuses a count not above the current one: another request grew the topic since we looked.
            return Failure(name, ErrorCode.InvalidPartitions, e.Message);
        }
        catch (StorageException e)
        {
            return new CreatePartitionsResponse.CreatePartitionsTopicResult { Name = name, ErrorCode = ErrorCodes.Of(e), ErrorMessage = e.Message };
        }
    }

    private static CreatePartitionsResponse.CreatePartitionsTopicResult Failure(string name, ErrorCode code, string message) =>
        new() { Name = name, ErrorCode = (short)code, ErrorMessage = message };
}
