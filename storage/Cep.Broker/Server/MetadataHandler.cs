using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage;

namespace Cep.Broker.Server;

/// <summary>
/// Metadata: this broker as the only one, the controller and every partition's leader (leader
/// epoch 0). All topics when the request names none (v1+: a null list); a named topic that does
/// not exist is created when the request allows it (producers) and is otherwise
/// UNKNOWN_TOPIC_OR_PARTITION (consumers, v4+ without auto-creation).
/// In a cluster the answer comes from the metadata image: every live broker, the active
/// controller, each partition's leader, leader epoch, replicas and ISR (LEADER_NOT_AVAILABLE for
/// a partition without a leader), so clients follow leadership; a topic to auto-create is
/// asked of the controller and reported as LEADER_NOT_AVAILABLE until it exists (clients retry).
/// </summary>
public static class MetadataHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<MetadataRequest>((request, header) => broker.Cluster is { } cluster
            ? ClusterAnswerAsync(broker, cluster, request, header.ApiVersion)
            : Task.FromResult<IKafkaMessage?>(Answer(broker, request, header.ApiVersion)));

    private static async Task<IKafkaMessage?> ClusterAnswerAsync(BrokerContext broker, Cluster.ClusterNode cluster, MetadataRequest request, short version)
    {
        var image = cluster.Replicas.Image;
        var names = request.Topics is null || (version == 0 && request.Topics.Count == 0)
            ? image.Topics.Keys.ToList()
            : request.Topics.Select(t => t.Name ?? "").ToList();
        var missing = names.Where(n => !image.Topics.ContainsKey(n)).ToList();
        bool create = request.AllowAutoTopicCreation || version < 4;
        if (create && missing.Count > 0)
        {
            await AutoCreateAsync(cluster, missing).ConfigureAwait(false);
        }
        return new MetadataResponse
        {
            Brokers = image.LiveBrokers.Select(b => new MetadataResponse.MetadataResponseBroker { NodeId = b.NodeId, Host = b.Host, Port = b.Port }).ToList(),
            ClusterId = broker.Options.ClusterId,
            ControllerId = cluster.Quorum.LeaderId ?? -1,
            Topics = names.Select(name => image.Topics.TryGetValue(name, out var topic)
                ? new MetadataResponse.MetadataResponseTopic
                {
                    Name = name,
                    IsInternal = name == Groups.OffsetStore.Topic,
                    Partitions = topic.Partitions.Select(p => new MetadataResponse.MetadataResponsePartition
                    {
                        ErrorCode = (short)(p.Leader < 0 ? ErrorCode.LeaderNotAvailable : ErrorCode.None),
                        PartitionIndex = p.Partition,
                        LeaderId = p.Leader,
                        LeaderEpoch = p.LeaderEpoch,
                        ReplicaNodes = p.Replicas.ToList(),
                        IsrNodes = p.Isr.ToList(),
                    }).ToList(),
                }
                : new MetadataResponse.MetadataResponseTopic { Name = name, ErrorCode = (short)(create ? ErrorCode.LeaderNotAvailable : ErrorCode.UnknownTopicOrPartition) }).ToList(),
        };
    }

    /// <summary>Asks the controller for the topics with the defaults; a refusal (a bad name, no controller now) leaves them missing, as the answer says.</summary>
    private static async Task AutoCreateAsync(Cluster.ClusterNode cluster, List<string> names)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await cluster.ControllerClient.SendAsync<CreateTopicsRequest, CreateTopicsResponse>(new CreateTopicsRequest
            {
                Topics = names.Select(n => new CreateTopicsRequest.CreatableTopic { Name = n, NumPartitions = -1, ReplicationFactor = -1 }).ToList(),
                TimeoutMs = 5000,
            }, 4, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is Cluster.ControllerException or IOException or OperationCanceledException)
        {
            // Reported as not available yet; the client asks again.
        }
    }

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
