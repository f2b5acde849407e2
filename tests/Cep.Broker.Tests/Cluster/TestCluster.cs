using System.Net;
using System.Net.Sockets;
using Cep.Broker.Cluster;
using Cep.Storage.Topics;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cep.Broker.Tests.Cluster;

/// <summary>N cluster nodes in this process on loopback, each with its own data directory; stopped one by one or all on dispose.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    public Dictionary<int, (TopicStore Store, ClusterNode Node, KafkaBroker Broker)> Nodes { get; } = [];

    public static async Task<TestCluster> StartAsync(int count)
    {
        var cluster = new TestCluster();
        var controllers = Enumerable.Range(1, count).ToDictionary(id => id, _ => new IPEndPoint(IPAddress.Loopback, FreePort()));
        var options = Enumerable.Range(1, count).Select(id => new ClusterOptions
        {
            NodeId = id,
            Controllers = controllers,
            ElectionTimeout = TimeSpan.FromMilliseconds(1000), // long enough that a loaded machine does not elect anew on its own
            Controller = new ControllerOptions { BrokerSessionTimeout = TimeSpan.FromSeconds(3) },
            Replication = new ReplicationOptions { ReplicaLagTimeMax = TimeSpan.FromSeconds(3) },
        });
        await Task.WhenAll(options.Select(async o =>
        {
            var store = TopicStore.Open(cluster._directory.Combine($"node-{o.NodeId}"));
            var node = await ClusterNode.StartAsync(store, o, NullLoggerFactory.Instance, CancellationToken.None);
            var broker = await KafkaBroker.StartAsync(store, new BrokerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), NodeId = o.NodeId }, cluster: node);
            lock (cluster.Nodes)
            {
                cluster.Nodes[o.NodeId] = (store, node, broker);
            }
        }));
        await cluster.EventuallyAsync(() => cluster.Nodes.Values.All(n => n.Node.Replicas.Image.LiveBrokers.Count() == count));
        return cluster;
    }

    public async Task StopAsync(int nodeId)
    {
        var (store, node, broker) = Nodes[nodeId];
        Nodes.Remove(nodeId);
        await broker.DisposeAsync();
        await node.DisposeAsync();
        store.Dispose();
    }

    /// <summary>True when every live node holding a replica of each partition has the same bytes up to the same high watermark, which is the log end.</summary>
    public bool AllReplicasEqual(string topic, int partitions)
    {
        for (int p = 0; p < partitions; p++)
        {
            var logs = Nodes.Values.Where(n => n.Node.Replicas.Image.Partition(topic, p)?.Replicas.Contains(n.Node.NodeId) == true)
                .Select(n => n.Store.GetPartition(topic, p)).ToList();
            if (logs.Count == 0 || logs.Any(l => l.HighWatermark != logs[0].LogEndOffset || l.LogEndOffset != logs[0].LogEndOffset))
            {
                return false;
            }
            var bytes = logs.Select(l => l.ReadForReplica(l.LogStartOffset, 64 << 20).Records.ToArray()).ToList();
            if (bytes.Any(b => !b.AsSpan().SequenceEqual(bytes[0])))
            {
                return false;
            }
        }
        return true;
    }

    public async Task EventuallyAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the cluster did not get there within 30 s");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (int id in Nodes.Keys.ToList())
        {
            await StopAsync(id);
        }
        _directory.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
