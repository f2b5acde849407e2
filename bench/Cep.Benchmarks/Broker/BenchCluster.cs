using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cep.Benchmarks.Broker;

/// <summary>Three <c>cep daemon</c> processes forming a cluster on loopback (each a controller and a broker), for one benchmark run.</summary>
internal static class BenchCluster
{
    /// <summary>Starts node <paramref name="id"/> of the cluster whose controllers are <paramref name="controllers"/>, with its data under <paramref name="root"/>.</summary>
    public static Task<BenchDaemon> StartNodeAsync(string root, string controllers, int id, params string[] extra) =>
        BenchDaemon.StartAsync(Path.Combine(root, $"node-{id}"), ["--node-id", $"{id}", "--controllers", controllers, "--kafka", "127.0.0.1:0", .. extra]);

    /// <summary>The --controllers value of a three-node cluster on free loopback ports.</summary>
    public static string Controllers() => string.Join(",", Enumerable.Range(1, 3).Select(id => $"{id}@127.0.0.1:{BenchDaemon.FreePort()}"));

    /// <summary>Creates a topic with min.insync.replicas=2, asking again while the nodes are still registering.</summary>
    public static async Task CreateTopicAsync(string bootstrap, string name, int partitions, short replicationFactor)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await BenchDaemon.Until(async () =>
        {
            try
            {
                await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = replicationFactor, Configs = new() { ["min.insync.replicas"] = "2" } }]);
                return true;
            }
            catch (KafkaException e) when (e is not CreateTopicsException created || created.Results.All(r => r.Error.Code != ErrorCode.TopicAlreadyExists))
            {
                return false; // no controller yet, or too few live brokers
            }
        });
    }
}
