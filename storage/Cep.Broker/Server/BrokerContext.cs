using Cep.Storage.Topics;

namespace Cep.Broker.Server;

/// <summary>What the handlers share: the log, the options, and the address clients are told to use (known once the listener is bound). Thread-safe.</summary>
public sealed class BrokerContext(TopicStore store, BrokerOptions options)
{
    public TopicStore Store => store;

    public BrokerOptions Options => options;

    public int NodeId => options.NodeId;

    public string Host => options.AdvertisedHost ?? options.Listen.Address.ToString();

    /// <summary>The bound port (set when the listener starts).</summary>
    public int Port { get; set; } = options.Listen.Port;
}
