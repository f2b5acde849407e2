using System.Net;
using Cep.Storage.Topics;

namespace Cep.Broker.Tests;

/// <summary>A broker on a free loopback port over a fresh data directory, for one test.</summary>
internal sealed class BrokerFixture : IAsyncDisposable
{
    private readonly TempDirectory _directory;

    private BrokerFixture(TempDirectory directory, TopicStore store, KafkaBroker broker)
    {
        _directory = directory;
        Store = store;
        Broker = broker;
    }

    public TopicStore Store { get; }

    public KafkaBroker Broker { get; }

    public string BootstrapServers => $"127.0.0.1:{Broker.Port}";

    public static async Task<BrokerFixture> StartAsync(BrokerOptions? options = null)
    {
        var directory = new TempDirectory();
        var store = TopicStore.Open(directory.Combine("data"));
        var broker = await KafkaBroker.StartAsync(store, (options ?? new BrokerOptions()) with { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        return new BrokerFixture(directory, store, broker);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        Store.Dispose();
        _directory.Dispose();
    }
}
