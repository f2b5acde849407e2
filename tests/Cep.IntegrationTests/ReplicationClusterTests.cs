using System.Text.Json;
using Cep.Storage.Topics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace Cep.IntegrationTests;

/// <summary>
/// A three-node cluster of real <c>cep daemon</c> processes on loopback (each a controller and a
/// broker), replication factor 3, min.insync.replicas 2. A Confluent.Kafka idempotent producer
/// writes with acks=all and a consumer reads, the whole time, while the test: SIGKILLs the leader
/// of each partition in turn and starts it again; SIGKILLs the active controller, creates a
/// topic through the others, and starts it again with its data directory wiped; freezes a leader
/// (SIGSTOP: it neither answers nor heartbeats, as if cut off) and thaws it. At the end the
/// history of writes and reads is checked against the final log (no acknowledged write lost, no
/// read of a value never written or later truncated, no duplicate) and every replica holds the
/// same bytes.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ReplicationClusterTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Partitions = 3;

    [Fact]
    public async Task Leaders_and_the_controller_killed_wiped_and_cut_off_lose_no_acknowledged_write_and_replicas_stay_identical()
    {
        using var data = new TempDirectory();
        string controllers = string.Join(",", Enumerable.Range(1, 3).Select(id => $"{id}@127.0.0.1:{DaemonProcess.FreePort()}"));
        var nodes = new Dictionary<int, DaemonProcess>();
        var history = new ProduceHistory();
        var exits = new Dictionary<int, int>();
        async Task StartAsync(int id) => nodes[id] = await DaemonProcess.StartAsync(data.Combine($"node-{id}"), "--node-id", $"{id}", "--controllers", controllers, "--replication-factor", "3");
        async Task KillAsync(int id)
        {
            nodes[id].Process.Kill(); // SIGKILL
            await nodes[id].Process.WaitForExitAsync();
            nodes[id].Dispose();
            nodes.Remove(id);
        }
        Task AllInSyncAsync() => DaemonProcess.Eventually(async () => (await ClusterAsync(nodes.Values.First())).Partitions.Count(p => p.Topic == "events" && p.Isr.Count == 3) == Partitions);
        // A node started again is back once it is registered anew (a later epoch, unfenced), and then in every ISR
        // — right after a kill the ISRs still name it until the controller notices, so that alone proves nothing.
        async Task RestartAsync(int id, long killedEpoch)
        {
            await StartAsync(id);
            await DaemonProcess.Eventually(async () => (await ClusterAsync(nodes.Values.First(n => n != nodes[id]))).Brokers.Any(b => b.Id == id && b.Epoch > killedEpoch && b.State == "live"));
            await AllInSyncAsync();
        }
        async Task<long> EpochAsync(int id) => (await ClusterAsync(nodes.Values.First(n => n != nodes[id]))).Brokers.Single(b => b.Id == id).Epoch;
        Task WritesGoOnAsync(int before) => DaemonProcess.Eventually(() => Task.FromResult(history.Acknowledged > before + 50));
        try
        {
            await Task.WhenAll(Enumerable.Range(1, 3).Select(StartAsync));
            await DaemonProcess.Eventually(async () => (await ClusterAsync(nodes.Values.First())).Brokers.Count(b => b.State == "live") == 3);
            string bootstrap = string.Join(",", nodes.Values.Select(n => n.KafkaAddress));
            await CreateTopicAsync(bootstrap, "events", Partitions, 3);
            await AllInSyncAsync();

            using var stop = new CancellationTokenSource();
            var producing = Task.Run(() => ProduceAsync(bootstrap, history, stop.Token));
            var consuming = Task.Run(() => Consume(bootstrap, history, stop.Token));
            await WritesGoOnAsync(0);

            output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} writing; 1. killing leaders");
            // 1. Each partition's leader, SIGKILLed and started again.
            for (int partition = 0; partition < Partitions; partition++)
            {
                int leader = (await ClusterAsync(nodes.Values.First())).Partitions.Single(p => p.Topic == "events" && p.Index == partition).Leader;
                int before = history.Acknowledged;
                long epoch = await EpochAsync(leader);
                await KillAsync(leader);
                await DaemonProcess.Eventually(async () => (await ClusterAsync(nodes.Values.First())).Partitions.Where(p => p.Topic == "events").All(p => p.Leader >= 0 && p.Leader != leader));
                await WritesGoOnAsync(before);
                await RestartAsync(leader, epoch);
            }

            output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} 2. killing the controller ({history.Acknowledged} acknowledged)");
            // 2. The active controller, SIGKILLed: another is elected and topics can still be created; it comes back with an empty data directory.
            int controller = (await ClusterAsync(nodes.Values.First())).ActiveController!.Value;
            long controllerEpoch = await EpochAsync(controller);
            await KillAsync(controller);
            var survivor = nodes.Values.First();
            await DaemonProcess.Eventually(async () => (await ClusterAsync(survivor)).ActiveController is { } active && active != controller);
            await CreateTopicAsync(string.Join(",", nodes.Values.Select(n => n.KafkaAddress)), "after-failover", 2, 2);
            await DaemonProcess.Eventually(async () => (await ClusterAsync(survivor)).Partitions.Count(p => p.Topic == "after-failover" && p.Leader >= 0) == 2);
            // The two survivors hold the same metadata before the third returns without any.
            await DaemonProcess.Eventually(async () => (await Task.WhenAll(nodes.Values.Select(async n => (await ClusterAsync(n)).MetadataOffset))).Distinct().Count() == 1);
            Directory.Delete(data.Combine($"node-{controller}"), recursive: true);
            await RestartAsync(controller, controllerEpoch);

            output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} 3. freezing a leader ({history.Acknowledged} acknowledged)");
            // 3. A leader cut off (frozen) for longer than the session: the others fence it and go on; thawed, it catches up.
            int frozen = (await ClusterAsync(nodes.Values.First())).Partitions.Single(p => p.Topic == "events" && p.Index == 1).Leader;
            int beforeFreeze = history.Acknowledged;
            await nodes[frozen].SignalAsync("STOP");
            var other = nodes.Values.First(n => n != nodes[frozen]);
            await DaemonProcess.Eventually(async () => (await ClusterAsync(other)).Partitions.Single(p => p.Topic == "events" && p.Index == 1).Leader is var l && l >= 0 && l != frozen);
            await WritesGoOnAsync(beforeFreeze);
            await nodes[frozen].SignalAsync("CONT");
            await AllInSyncAsync();

            output.WriteLine($"{DateTime.Now:HH:mm:ss.fff} thawed ({history.Acknowledged} acknowledged)");
            await WritesGoOnAsync(history.Acknowledged);
            await stop.CancelAsync();
            int failed = await producing;
            await consuming;
            Assert.True(history.Acknowledged > 1000, $"only {history.Acknowledged} writes were acknowledged ({failed} failed)");
            Assert.True(history.Reads > 1000, $"only {history.Reads} records were read");
        }
        finally
        {
            foreach (var (id, node) in nodes)
            {
                await node.SignalAsync("CONT"); // in case the test failed while it was frozen
                var (exit, _, log) = await node.StopAsync();
                output.WriteLine($"--- node {id} exited {exit}:\n{log}");
                exits[id] = exit;
                node.Dispose();
            }
        }
        Assert.All(exits, e => Assert.True(e.Value == 0, $"node {e.Key} exited {e.Value} (its log is in the test output)"));

        // The replicas, read from their data directories: the same bytes; the history consistent with them.
        var stores = Enumerable.Range(1, 3).Select(id => TopicStore.Open(data.Combine($"node-{id}"))).ToList();
        try
        {
            var finalLogs = new Dictionary<int, Dictionary<long, string>>();
            foreach (int partition in Enumerable.Range(0, Partitions))
            {
                var logs = stores.Select(s => s.GetPartition("events", partition)).ToList();
                var bytes = logs.Select(l => l.ReadForReplica(0, 256 << 20).Records.ToArray()).ToList();
                Assert.All(bytes, b => Assert.Equal(bytes[0], b));
                finalLogs[partition] = TopicValues.WithOffsets(logs[0]);
            }
            var anomalies = history.Check(finalLogs);
            Assert.True(anomalies.Count == 0, string.Join("\n", anomalies.Take(20)));
        }
        finally
        {
            stores.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public async Task Kafkajs_follows_a_leader_change_while_producing_and_every_record_is_stored_once()
    {
        using var data = new TempDirectory();
        string controllers = string.Join(",", Enumerable.Range(1, 3).Select(id => $"{id}@127.0.0.1:{DaemonProcess.FreePort()}"));
        var nodes = new Dictionary<int, DaemonProcess>();
        try
        {
            foreach (int id in Enumerable.Range(1, 3))
            {
                nodes[id] = await DaemonProcess.StartAsync(data.Combine($"node-{id}"), "--node-id", $"{id}", "--controllers", controllers, "--broker-session-timeout", "3");
            }
            await DaemonProcess.Eventually(async () => (await ClusterAsync(nodes[1])).Brokers.Count(b => b.State == "live") == 3);
            string bootstrap = string.Join(",", nodes.Values.Select(n => n.KafkaAddress));
            await CreateTopicAsync(bootstrap, "js-replicated", Partitions, 3);
            await DaemonProcess.Eventually(async () => (await ClusterAsync(nodes[1])).Partitions.Count(p => p.Topic == "js-replicated" && p.Isr.Count == 3) == Partitions);

            var producing = NodeProcess.RunAsync(bootstrap, null, "produce.js", "js-replicated", "5000");
            await Task.Delay(1500);
            int leader = (await ClusterAsync(nodes[1])).Partitions.Single(p => p.Topic == "js-replicated" && p.Index == 0).Leader;
            nodes[leader].Process.Kill(); // SIGKILL mid-stream
            await nodes[leader].Process.WaitForExitAsync();
            nodes.Remove(leader);
            var (exit, stdout, stderr) = await producing;
            Assert.True(exit == 0, stderr);
            Assert.Equal("produced 5000\n", stdout);

            string survivors = string.Join(",", nodes.Values.Select(n => n.KafkaAddress));
            var consumed = await NodeProcess.RunAsync(survivors, null, "consume.js", "js-replicated", "js-reader", "5000");
            Assert.True(consumed.ExitCode == 0, consumed.Stderr);
            var values = consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("value").GetString()).ToList();
            Assert.Equal(Enumerable.Range(0, 5000).Select(i => $"value-{i}").Order(StringComparer.Ordinal), values.Order(StringComparer.Ordinal));
        }
        finally
        {
            foreach (var node in nodes.Values)
            {
                await node.StopAsync();
                node.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_query_on_every_node_shares_its_tasks_across_the_cluster_and_survives_a_killed_node_exactly_once()
    {
        using var data = new TempDirectory();
        string controllers = string.Join(",", Enumerable.Range(1, 3).Select(id => $"{id}@127.0.0.1:{DaemonProcess.FreePort()}"));
        foreach (int id in Enumerable.Range(1, 3))
        {
            Directory.CreateDirectory(data.Combine($"queries-{id}"));
        }
        var nodes = new Dictionary<int, DaemonProcess>();
        try
        {
            foreach (int id in Enumerable.Range(1, 3))
            {
                nodes[id] = await DaemonProcess.StartAsync(data.Combine($"node-{id}"), "--node-id", $"{id}", "--controllers", controllers, "--replication-factor", "3",
                    "--broker-session-timeout", "3", "--session-timeout", "4", "--checkpoint-interval", "0.2", "--workers", "1", "--queries", data.Combine($"queries-{id}"));
            }
            await DaemonProcess.Eventually(async () => (await ClusterAsync(nodes[1])).Brokers.Count(b => b.State == "live") == 3);
            await CreateTopicAsync(string.Join(",", nodes.Values.Select(n => n.KafkaAddress)), "events", 6, 3);
            await DaemonProcess.Eventually(async () => (await ClusterAsync(nodes[1])).Partitions.Count(p => p.Topic == "events" && p.Isr.Count == 3) == 6);
            // The same script on every node (each watches its folder); the reference on node 1 alone, never interrupted: one member, every task.
            foreach (int id in Enumerable.Range(1, 3))
            {
                File.WriteAllText(data.Combine($"queries-{id}", "counts.csx"), TwoDaemonTests.Script("out"));
            }
            File.WriteAllText(data.Combine("queries-1", "reference.csx"), TwoDaemonTests.Script("expected"));
            await TwoDaemonTests.ProduceAsync(data, data.Combine("node-1"), chunk: 0);
            // Every node runs a share of the query's 6 tasks, in one group across the cluster.
            await DaemonProcess.Eventually(async () =>
            {
                var shares = await Task.WhenAll(nodes.Values.Select(n => TwoDaemonTests.StatusAsync(n, "counts")));
                return shares.Sum(s => s.Tasks) == 6 && shares.All(s => s.Tasks > 0);
            });
            await TwoDaemonTests.ProduceAsync(data, data.Combine("node-1"), chunk: 1);
            nodes[3].Process.Kill(); // SIGKILL, wherever it is
            await nodes[3].Process.WaitForExitAsync();
            nodes.Remove(3);
            await TwoDaemonTests.ProduceAsync(data, data.Combine("node-1"), chunk: 2);
            await DaemonProcess.Eventually(async () =>
            {
                var shares = await Task.WhenAll(nodes.Values.Select(n => TwoDaemonTests.StatusAsync(n, "counts")));
                return shares.Sum(s => s.Tasks) == 6 && shares.All(s => s.Lag == 0) && (await TwoDaemonTests.StatusAsync(nodes[1], "reference")).Lag == 0
                    && (await TwoDaemonTests.ReadAsync(nodes[1], "out")).Sum(p => p.Count) == (await TwoDaemonTests.ReadAsync(nodes[1], "expected")).Sum(p => p.Count);
            });
            var expected = await TwoDaemonTests.ReadAsync(nodes[1], "expected");
            Assert.True(expected.Sum(p => p.Count) > 100, "the reference wrote too little to compare");
            Assert.Equal(expected, await TwoDaemonTests.ReadAsync(nodes[1], "out"));
        }
        finally
        {
            foreach (var (id, node) in nodes)
            {
                try
                {
                    var (_, _, log) = await node.StopAsync();
                    output.WriteLine($"--- node {id}:\n{log}");
                }
                catch (OperationCanceledException)
                {
                    output.WriteLine($"--- node {id} did not stop within a minute");
                }
                node.Dispose();
            }
        }
    }

    private static async Task CreateTopicAsync(string bootstrap, string name, int partitions, short replicationFactor)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = replicationFactor, Configs = new() { ["min.insync.replicas"] = "2" } }]);
    }

    /// <summary>Produces v0, v1, … with acks=all until stopped, 50 in flight; returns how many failed.</summary>
    private static async Task<int> ProduceAsync(string bootstrap, ProduceHistory history, CancellationToken stop)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = 120_000,
            // A frozen leader holds a produce request until the socket timeout; then the producer asks the new one.
            SocketTimeoutMs = 5_000,
            LingerMs = 5,
        }).Build();
        int failed = 0;
        var inFlight = new List<Task>();
        for (int i = 0; !stop.IsCancellationRequested; i++)
        {
            string value = $"v{i}";
            history.Attempt(value);
            inFlight.Add(producer.ProduceAsync("events", new Message<string, string> { Key = $"k{i % 11}", Value = value }).ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    history.Acknowledge(t.Result.Partition.Value, t.Result.Offset.Value, value);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }
            }, TaskScheduler.Default));
            if (inFlight.Count >= 50)
            {
                await Task.WhenAll(inFlight);
                inFlight.Clear();
            }
        }
        await Task.WhenAll(inFlight);
        return failed;
    }

    /// <summary>Reads every partition from the start until stopped (assigned, no group), recording each record seen.</summary>
    private static void Consume(string bootstrap, ProduceHistory history, CancellationToken stop)
    {
        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "history-reader",
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Error, // a reset would hide a read past the log
            SocketTimeoutMs = 5_000,
        }).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset("events", p, 0)));
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false, Message: { } message } result)
                {
                    history.Read(result.Partition.Value, result.Offset.Value, message.Value);
                }
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                // Leadership moving: the client retries.
            }
        }
        consumer.Close();
    }

    private static async Task<ClusterStatus> ClusterAsync(DaemonProcess node) =>
        JsonSerializer.Deserialize<ClusterStatus>(await node.Http.GetStringAsync("/cluster"), JsonSerializerOptions.Web)!;

    private sealed record ClusterStatus(int? ActiveController, long MetadataOffset, List<BrokerStatus> Brokers, List<PartitionStatus> Partitions);

    private sealed record BrokerStatus(int Id, long Epoch, string State);

    private sealed record PartitionStatus(string Topic, int Index, int Leader, List<int> Isr);
}
