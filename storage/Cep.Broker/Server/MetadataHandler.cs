using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage;

namespace Cep.Broker.Server;

/// <summary>
/// Metadata: this broker as the only one, the controller and every partition's leader (leader
/// epoch 0). All topics when the request names none (v1+: a null list); a named topic that does
/// not exist is created when the request allows it (producers) and is otherwise
/// UNKNOWN_TOPIC_OR_PARTITION (consumers, v4+ without auto-creation).
/// </summary>
public static class MetadataHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<MetadataRequest>((request, header) => Answer(broker, request, header.ApiVersion));

    private static MetadataResponse Answer(BrokerContext broker, MetadataRequest request, short version)
    {
        var store = broker.Store;
        // v0: an empty list means all topics; v1+: null means all, empty means none.
        var names = request.Topics is null || (version == 0 && request.Topics.Count == 0)
            ? store.ListTopics().Order(StringComparer.Ordinal).ToList()
            : request.Topics.Select(t => t.Name ?? "").ToList();
        return new MetadataResponse
        {
            Brokers = [new MetadataResponse.MetadataResponseBroker { NodeId = broker.NodeId, Host = broker.Host, Port = broker.Port }],
            ClusterId = broker.Options.ClusterId,
            ControllerId = broker.NodeId,
            Topics = names.Select(name => Topic(broker, name, request.AllowAutoTopicCreation || version < 4)).ToList(),
        };
    }

    private static MetadataResponse.MetadataResponseTopic Topic(BrokerContext broker, string name, bool create)
    {
        try
        {
            if (create && !broker.Store.ListTopics().Contains(name))
            {
                TopicCreation.Create(broker.Store, name, partitions: -1, replicationFactor: -1, []);
            }
            int count = broker.Store.PartitionCount(name);
            return new MetadataResponse.MetadataResponseTopic
            {
                Name = name,
                IsInternal = name == Groups.OffsetStore.Topic,
                Partitions = Enumerable.Range(0, count).Select(p => new MetadataResponse.MetadataResponsePartition
                {
                    PartitionIndex = p,
                    LeaderId = broker.NodeId,
                    LeaderEpoch = 0,
                    ReplicaNodes = [broker.NodeId],
                    IsrNodes = [broker.NodeId],
                }).ToList(),
            };
        }
        catch (StorageException e)
        {
            return new MetadataResponse.MetadataResponseTopic { Name = name, ErrorCode = ErrorCodes.Of(e) };
        }
    }
}
