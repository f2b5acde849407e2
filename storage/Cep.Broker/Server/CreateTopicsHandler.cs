using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage;
using Cep.Storage.Log;
using Cep.Storage.Topics;

namespace Cep.Broker.Server;

/// <summary>
/// CreateTopics (v0–4), each topic on its own: −1 partitions or replication factor is the
/// default (<see cref="TopicCreation"/>); configs use Kafka's names and a null value means the
/// default. With one broker a replication factor above one is INVALID_REPLICATION_FACTOR, and an
/// explicit replica assignment is accepted only when it places partitions 0..n−1 each on this
/// node alone (anything else is INVALID_REQUEST). The request-level checks run before the store
/// is touched, so that ValidateOnly (v1+) answers exactly what a real create would and creates
/// nothing; the store re-checks name, existence and configs under its lock when it creates.
/// ErrorMessage (v1+) carries the reason.
/// </summary>
public static class CreateTopicsHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<CreateTopicsRequest>((request, _) =>
        {
            var duplicates = TopicCreation.Repeated(request.Topics.Select(t => t.Name));
            return new CreateTopicsResponse
            {
                Topics = request.Topics.Select(topic => duplicates.Contains(topic.Name)
                    ? Failure(topic.Name, ErrorCode.InvalidRequest, $"topic '{topic.Name}' appears more than once in the request")
                    : Create(broker, topic, request.ValidateOnly)).ToList(),
            };
        });

    private static CreateTopicsResponse.CreatableTopicResult Create(BrokerContext broker, CreateTopicsRequest.CreatableTopic topic, bool validateOnly)
    {
        var (partitions, replicationFactor, refusal) = Shape(broker, topic);
        if (refusal is not null)
        {
            return refusal;
        }
        var config = topic.Configs
            .Where(c => c.Value is not null)
            .Select(c => KeyValuePair.Create(c.Name, c.Value!))
            .ToList();
        try
        {
            if (validateOnly)
            {
                TopicCreation.Validate(broker.Store, topic.Name, partitions, replicationFactor, config);
            }
            else
            {
                TopicCreation.Create(broker.Store, topic.Name, partitions, replicationFactor, config);
            }
            return new CreateTopicsResponse.CreatableTopicResult { Name = topic.Name };
        }
        catch (StorageException e)
        {
            return new CreateTopicsResponse.CreatableTopicResult { Name = topic.Name, ErrorCode = ErrorCodes.Of(e), ErrorMessage = e.Message };
        }
    }

    /// <summary>The partition count and replication factor asked for (from the assignment when there is one), or the refusal of an impossible request.</summary>
    private static (int Partitions, short ReplicationFactor, CreateTopicsResponse.CreatableTopicResult? Refusal) Shape(BrokerContext broker, CreateTopicsRequest.CreatableTopic topic)
    {
        string name = topic.Name;
        if (topic.Assignments.Count > 0)
        {
            if (topic.NumPartitions != -1 || topic.ReplicationFactor != -1)
            {
                return (0, 0, Failure(name, ErrorCode.InvalidRequest, $"topic '{name}': with a replica assignment, partitions and replication factor must be -1"));
            }
            bool ours = topic.Assignments.Select(a => a.PartitionIndex).Order().SequenceEqual(Enumerable.Range(0, topic.Assignments.Count))
                && topic.Assignments.All(a => a.BrokerIds.Count == 1 && a.BrokerIds[0] == broker.NodeId);
            return ours
                ? (topic.Assignments.Count, (short)1, null)
                : (0, (short)0, Failure(name, ErrorCode.InvalidRequest, $"topic '{name}': this cluster has one broker (node {broker.NodeId}); an assignment must place partitions 0..n-1 each on it alone"));
        }
        if (topic.NumPartitions == 0 || topic.NumPartitions < -1)
        {
            return (0, 0, Failure(name, ErrorCode.InvalidPartitions, $"topic '{name}': partition count must be at least 1 (or -1 for the default), got {topic.NumPartitions}"));
        }
        int brokers = broker.Store.BrokerCount;
        if (topic.ReplicationFactor != -1 && (topic.ReplicationFactor < 1 || topic.ReplicationFactor > brokers))
        {
            return (0, 0, Failure(name, ErrorCode.InvalidReplicationFactor, $"topic '{name}': replication factor {topic.ReplicationFactor} is not possible with {brokers} broker(s); use 1..{brokers} or -1"));
        }
        return (topic.NumPartitions, topic.ReplicationFactor, null);
    }

    private static CreateTopicsResponse.CreatableTopicResult Failure(string name, ErrorCode code, string message) =>
        new() { Name = name, ErrorCode = (short)code, ErrorMessage = message };
}
