using Confluent.Kafka;

namespace Cep.Benchmarks.Broker;

/// <summary>
/// The price of replication: Confluent.Kafka's producer to a three-node cluster (three
/// <c>cep daemon</c> processes on loopback, each a controller and a broker) into a topic with
/// three replicas and min.insync.replicas=2, acks=all — every acknowledgement after both
/// followers fetched the records — against the same producer to one broker with one replica
/// and acks=1, measured in the same run. 100-byte records, 4 partitions, as in kafka-produce.
/// </summary>
internal sealed class ReplicatedProduceScenario : IScenario
{
    public string Name => "replicated-produce";

    public string Description => "acks=all to 3 replicas on a 3-node cluster vs acks=1 to 1 replica on one broker";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        int count = quick ? 300_000 : 2_000_000;
        var metrics = new MetricSet();
        using var directory = new TempDirectory(Name);
        string controllers = BenchCluster.Controllers();
        var nodes = new List<BenchDaemon>();
        try
        {
            foreach (int id in Enumerable.Range(1, 3))
            {
                nodes.Add(await BenchCluster.StartNodeAsync(directory.Path, controllers, id));
            }
            string bootstrap = string.Join(",", nodes.Select(n => n.Kafka));
            await BenchCluster.CreateTopicAsync(bootstrap, "replicated", 4, 3);
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            {
                await BenchDaemon.Until(() => Task.FromResult(admin.GetMetadata("replicated", TimeSpan.FromSeconds(5)).Topics.Single().Partitions is { Count: 4 } p && p.All(x => x.InSyncReplicas.Length == 3)));
            }
            var (wall, cpu, errors) = KafkaProduceScenario.Produce(bootstrap, "replicated", Acks.All, count);
            Check(errors, "replicated");
            Add(metrics, "replicated", count, wall, cpu);
        }
        finally
        {
            nodes.ForEach(n => n.Dispose());
        }

        await using (var broker = await BenchBroker.StartAsync(Name))
        {
            broker.Store.CreateTopic("single", 4);
            var (wall, cpu, errors) = KafkaProduceScenario.Produce(broker.BootstrapServers, "single", Acks.Leader, count);
            Check(errors, "single");
            Add(metrics, "single", count, wall, cpu);
        }
        metrics.Add("ratio_replicated_to_single", metrics["replicated_msgs_per_s"] / metrics["single_msgs_per_s"]);
        return new ScenarioResult(
            Name,
            $"{count:N0} records of 100 B per run, 4 partitions, linger.ms=5, batch.size=1 MB, no compression, flush.policy=group; cluster: 3 daemon processes on loopback, replication factor 3, min.insync.replicas=2, acks=all; single: one broker in this process, 1 replica, acks=1; all on 2 cores",
            metrics,
            "ratio_replicated_to_single",
            0,
            null,
            [
                "replicated_msgs_per_s: every record written three times (leader and two followers, each with its own group-commit fsync) and acknowledged once both followers fetched it; the three nodes and the producer share the 2 cores.",
                "single_msgs_per_s: the same producer to one broker in this process with acks=1 (as kafka-produce).",
                "cores_busy for the cluster counts only this process (the producer); the daemons' CPU is not in it.",
            ]);
    }

    private static void Check(long errors, string label)
    {
        if (errors > 0)
        {
            throw new InvalidOperationException($"{errors} records were not delivered ({label})");
        }
    }

    private static void Add(MetricSet metrics, string label, int count, TimeSpan wall, TimeSpan cpu) =>
        metrics.Add($"{label}_msgs_per_s", count / wall.TotalSeconds)
            .Add($"{label}_mb_per_s", count * 100.0 / wall.TotalSeconds / 1e6)
            .Add($"{label}_cores_busy", cpu / wall);
}
