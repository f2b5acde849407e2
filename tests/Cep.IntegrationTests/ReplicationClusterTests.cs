using System.Collections.Concurrent;
using System.Text.Json;
using Cep.Storage.Topics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cep.IntegrationTests;

/// <summary>
/// A three-node cluster of real <c>cep daemon</c> processes on loopback (each a controller and a
/// broker), replication factor 3, min.insync.replicas 2: a Confluent.Kafka idempotent producer
/// writes with acks=all the whole time while the test SIGKILLs the leader of each partition in
/// turn and starts it again. At the end every acknowledged record is in the log exactly once,
/// at the offset it was acknowledged with, and every replica holds the same bytes.
/// </summary>
public sealed class ReplicationClusterTests
{
    private const int Partitions = 3;

    [Fact]
    public async Task Killing_each_partitions_leader_in_turn_loses_no_acknowledged_record_and_replicas_stay_identical()
    {
        using var data = new TempDirectory();
        string controllers = string.Join(",", Enumerable.Range(1, 3).Select(id => $"{id}@127.0.0.1:{DaemonProcess.FreePort()}"));
        var nodes = new Dictionary<int, DaemonProcess>();
        var acknowledged = new ConcurrentBag<(int Partition, long Offset, string Value)>();
        async Task StartAsync(int id) => nodes[id] = await DaemonProcess.StartAsync(data.Combine($"node-{id}"), "--node-id", $"{id}", "--controllers", controllers, "--replication-factor", "3");
        try
        {
            await Task.WhenAll(Enumerable.Range(1, 3).Select(StartAsync));
            await DaemonProcess.Eventually(async () => (await ClusterAsync(nodes.Values.First())).Brokers.Count(b => b.State == "live") == 3);
            string bootstrap = string.Join(",", nodes.Values.Select(n => n.KafkaAddress));
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            {
                await admin.CreateTopicsAsync([new TopicSpecification { Name = "events", NumPartitions = Partitions, ReplicationFactor = 3, Configs = new() { ["min.insync.replicas"] = "2" } }]);
            }
            await DaemonProcess.Eventually(async () => (await ClusterAsync(nodes.Values.First())).Partitions.Count(p => p.Topic == "events" && p.Isr.Count == 3) == Partitions);

            using var stopProducing = new CancellationTokenSource();
            var producing = Task.Run(() => ProduceAsync(bootstrap, acknowledged, stopProducing.Token));
            await Task.Delay(1000);
            for (int partition = 0; partition < Partitions; partition++)
            {
                var view = await ClusterAsync(nodes.Values.First());
                int leader = view.Partitions.Single(p => p.Topic == "events" && p.Index == partition).Leader;
                int before = acknowledged.Count;
                nodes[leader].Process.Kill(); // SIGKILL
                await nodes[leader].Process.WaitForExitAsync();
                nodes[leader].Dispose();
                nodes.Remove(leader);
                var survivor = nodes.Values.First();
                await DaemonProcess.Eventually(async () => (await ClusterAsync(survivor)).Partitions.Where(p => p.Topic == "events").All(p => p.Leader >= 0 && p.Leader != leader));
                await DaemonProcess.Eventually(() => Task.FromResult(acknowledged.Count > before + 50)); // writes go on with two replicas
                await StartAsync(leader);
                await DaemonProcess.Eventually(async () => (await ClusterAsync(survivor)).Partitions.Count(p => p.Topic == "events" && p.Isr.Count == 3) == Partitions);
            }
            await Task.Delay(1000);
            await stopProducing.CancelAsync();
            int errors = await producing;
            Assert.True(acknowledged.Count > 500, $"only {acknowledged.Count} records were acknowledged ({errors} failed)");
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                var (exit, _, log) = await node.StopAsync();
                Assert.True(exit == 0, log);
                node.Dispose();
            }
        }

        // Every replica's log, read from its data directory: the same bytes; each acknowledged record once, where it was acknowledged.
        var stores = Enumerable.Range(1, 3).Select(id => TopicStore.Open(data.Combine($"node-{id}"))).ToList();
        try
        {
            foreach (int partition in Enumerable.Range(0, Partitions))
            {
                var logs = stores.Select(s => s.GetPartition("events", partition)).ToList();
                var bytes = logs.Select(l => l.ReadForReplica(0, 256 << 20).Records.ToArray()).ToList();
                Assert.All(bytes, b => Assert.Equal(bytes[0], b));
                var records = ReadValues(logs[0]);
                Assert.Equal(records.Count, records.Values.Distinct().Count());
                foreach (var (_, offset, value) in acknowledged.Where(a => a.Partition == partition))
                {
                    Assert.True(records.TryGetValue(offset, out var stored) && stored == value, $"events/{partition}: {value} was acknowledged at offset {offset}, but the log has {stored ?? "nothing"} there");
                }
            }
        }
        finally
        {
            stores.ForEach(s => s.Dispose());
        }
    }

    private static Dictionary<long, string> ReadValues(Cep.Storage.Log.PartitionLog log)
    {
        var values = new Dictionary<long, string>();
        var reader = new Cep.Storage.Log.PartitionReader(log, 0);
        var records = reader.ReadAsync(follow: false).GetAsyncEnumerator();
        while (records.MoveNextAsync().AsTask().GetAwaiter().GetResult())
        {
            values[records.Current.Offset] = System.Text.Encoding.UTF8.GetString(records.Current.Value!.Value.Span);
        }
        return values;
    }

    /// <summary>Produces v0, v1, … with acks=all until stopped; records each acknowledgement; returns how many failed.</summary>
    private static async Task<int> ProduceAsync(string bootstrap, ConcurrentBag<(int, long, string)> acknowledged, CancellationToken stop)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 60_000,
            LingerMs = 5,
        }).Build();
        int errors = 0;
        var inFlight = new List<Task>();
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            string value = $"v{i}";
            inFlight.Add(producer.ProduceAsync("events", new Message<string, string> { Key = $"k{i % 11}", Value = value }).ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    acknowledged.Add((t.Result.Partition.Value, t.Result.Offset.Value, value));
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }, TaskScheduler.Default));
            if (inFlight.Count >= 50)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }
        await Task.WhenAll(inFlight);
        return errors;
    }

    private static async Task<ClusterStatus> ClusterAsync(DaemonProcess node) =>
        JsonSerializer.Deserialize<ClusterStatus>(await node.Http.GetStringAsync("/cluster"), JsonSerializerOptions.Web)!;

    private sealed record ClusterStatus(int? ActiveController, List<BrokerStatus> Brokers, List<PartitionStatus> Partitions);

    private sealed record BrokerStatus(int Id, string State);

    private sealed record PartitionStatus(string Topic, int Index, int Leader, List<int> Isr);
}
