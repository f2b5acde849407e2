using System.Net;
using Cep.Broker;
using Cep.Storage.Topics;

namespace Cep.Benchmarks.Broker;

/// <summary>A broker on a free loopback port over a fresh data directory, for one benchmark run.</summary>
internal sealed class BenchBroker : IAsyncDisposable
{
    private readonly TempDirectory _directory;

    private BenchBroker(TempDirectory directory, TopicStore store, KafkaBroker broker)
    {
        _directory = directory;
        Store = store;
        Broker = broker;
    }

    public TopicStore Store { get; }

    public KafkaBroker Broker { get; }

    public string BootstrapServers => $"127.0.0.1:{Broker.Port}";

    public static async Task<BenchBroker> StartAsync(string label)
    {
        var directory = new TempDirectory(label);
        var store = TopicStore.Open(Path.Combine(directory.Path, "data"));
        var broker = await KafkaBroker.StartAsync(store, new BrokerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        return new BenchBroker(directory, store, broker);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        Store.Dispose();
        _directory.Dispose();
    }
}
