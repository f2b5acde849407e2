using Cep.Broker.Groups;

namespace Cep.Broker.Server;

/// <summary>The APIs the broker serves: the log's, the admin ones, and the consumer groups'; on a cluster node, admin through the controller and the controller's own.</summary>
public static class KafkaApis
{
    public static ApiRegistry Create(BrokerContext broker, GroupCoordinator groups)
    {
        var registry = new ApiRegistry();
        ApiVersionsHandler.Register(registry);
        MetadataHandler.Register(registry, broker);
        ProduceHandler.Register(registry, broker);
        FetchHandler.Register(registry, broker);
        ListOffsetsHandler.Register(registry, broker);
        if (broker.Cluster is { } cluster)
        {
            ClusterAdminHandler.Register(registry, cluster);
            ControllerApisHandler.Register(registry, cluster);
        }
        else
        {
            CreateTopicsHandler.Register(registry, broker);
            DeleteTopicsHandler.Register(registry, broker);
            CreatePartitionsHandler.Register(registry, broker);
        }
        DescribeConfigsHandler.Register(registry, broker);
        OffsetForLeaderEpochHandler.Register(registry, broker);
        DescribeProducersHandler.Register(registry, broker);
        InitProducerIdHandler.Register(registry, new ProducerIdAllocator(broker.Store.DataDirectory, broker.NodeId));
        GroupMembershipHandler.Register(registry, broker, groups);
        GroupOffsetsHandler.Register(registry, broker, groups);
        GroupAdminHandler.Register(registry, broker, groups);
        return registry;
    }
}
