using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Confluent.Kafka;

namespace Cep.Benchmarks.Broker;

/// <summary>
/// How long a partition is unwritable when its leader dies: a three-node cluster (three
/// <c>cep daemon</c> processes on loopback), one partition with three replicas and
/// min.insync.replicas=2, a Confluent.Kafka producer writing one record at a time with acks=all;
/// the leader is killed with SIGKILL, and the time runs until the first record is acknowledged
/// by the new leader. Repeated over several kills (each time the killed node is started again
/// and let back into the ISR first).
/// </summary>
internal sealed class FailoverTimeScenario : IScenario
{
    private const double BrokerSessionSeconds = 3;

    public string Name => "failover-time";

    public string Description => "3-node cluster, acks=all: SIGKILL the partition leader, time until the first acknowledged produce on the new leader";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        int rounds = quick ? 1 : 3;
        using var directory = new TempDirectory(Name);
        string controllers = BenchCluster.Controllers();
        var nodes = new Dictionary<int, BenchDaemon>();
        Task<BenchDaemon> Start(int id) => BenchCluster.StartNodeAsync(directory.Path, controllers, id, "--broker-session-timeout", $"{BrokerSessionSeconds}");
        var failovers = new List<double>();
        var elections = new List<double>();
        try
        {
            foreach (int id in Enumerable.Range(1, 3))
            {
                nodes[id] = await Start(id);
            }
            string bootstrap = string.Join(",", nodes.Values.Select(n => n.Kafka));
            await BenchCluster.CreateTopicAsync(bootstrap, "failover", 1, 3);
            await BenchDaemon.Until(async () => await InSyncAsync(nodes.Values.First()) == 3);

            using var producer = new ProducerBuilder<Null, string>(new ProducerConfig
            {
                BootstrapServers = bootstrap,
                Acks = Acks.All,
                EnableIdempotence = true,
                MessageTimeoutMs = 120_000,
                SocketTimeoutMs = 2_000,
                TopicMetadataRefreshIntervalMs = 1_000,
            }).Build();
            long lastAck = 0;
            using var stop = new CancellationTokenSource();
            var writing = Task.Run(async () =>
            {
                for (int i = 0; !stop.IsCancellationRequested; i++)
                {
                    await producer.ProduceAsync("failover", new Message<Null, string> { Value = $"r{i}" });
                    Interlocked.Exchange(ref lastAck, Stopwatch.GetTimestamp());
                }
            });
            for (int round = 0; round < rounds; round++)
            {
                await Task.Delay(2000);
                int leader = await LeaderAsync(nodes.Values.First());
                nodes[leader].Kill();
                long killed = Stopwatch.GetTimestamp();
                nodes[leader].Dispose();
                nodes.Remove(leader);
                await BenchDaemon.Until(async () => await LeaderAsync(nodes.Values.First()) is var l && l >= 0 && l != leader);
                elections.Add(Stopwatch.GetElapsedTime(killed).TotalMilliseconds);
                await BenchDaemon.Until(() => Task.FromResult(Interlocked.Read(ref lastAck) > killed));
                failovers.Add(Stopwatch.GetElapsedTime(killed, Interlocked.Read(ref lastAck)).TotalMilliseconds);
                nodes[leader] = await Start(leader);
                await BenchDaemon.Until(async () => await InSyncAsync(nodes.Values.First()) == 3);
            }
            await stop.CancelAsync();
            await writing;
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                node.Dispose();
            }
        }
        var metrics = new MetricSet()
            .Add("failover_ms", failovers.Average())
            .Add("failover_max_ms", failovers.Max())
            .Add("elected_ms", elections.Average());
        return new ScenarioResult(
            Name,
            $"3 daemon processes on loopback (controller and broker each), 1 partition, replication factor 3, min.insync.replicas=2, acks=all, one record at a time; broker session timeout {BrokerSessionSeconds} s; {rounds} kill(s) of the leader, averaged",
            metrics,
            "failover_ms",
            0,
            null,
            [
                "failover_ms: SIGKILL of the partition's leader → the first record acknowledged after it (by the new leader, with its ISR). It includes the broker session timeout (the controller's wait before it fences the dead broker), the election, the metadata reaching the others and the producer finding the new leader.",
                "elected_ms: SIGKILL → a surviving node's metadata names a new leader (its /cluster polled every 50 ms).",
                "no Kafka cluster runs on this machine (no JVM), so there is no peer in the same run; Kafka's own default broker.session.timeout.ms is 9 s.",
            ]);
    }

    private static async Task<JsonElement> PartitionAsync(BenchDaemon node)
    {
        var view = await node.Http.GetFromJsonAsync<JsonElement>("/cluster");
        return view.GetProperty("partitions").EnumerateArray().Single(p => p.GetProperty("topic").GetString() == "failover");
    }

    private static async Task<int> LeaderAsync(BenchDaemon node) => (await PartitionAsync(node)).GetProperty("leader").GetInt32();

    private static async Task<int> InSyncAsync(BenchDaemon node)
    {
        try
        {
            return (await PartitionAsync(node)).GetProperty("isr").GetArrayLength();
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException)
        {
            return 0; // not created yet, or the node not listening yet
        }
    }
}
