using System.Net;

namespace Cep.Broker;

/// <summary>How the broker listens and what it tells clients. Immutable.</summary>
public sealed record BrokerOptions
{
    /// <summary>Where the Kafka listener binds (port 0: any free port; the bound one is <see cref="KafkaBroker.Port"/>).</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 9092);

    /// <summary>The host clients are told to connect to (Metadata); default: the listen address.</summary>
    public string? AdvertisedHost { get; init; }

    /// <summary>This broker's node id in Metadata and FindCoordinator.</summary>
    public int NodeId { get; init; }

    /// <summary>The cluster id in Metadata (v2+).</summary>
    public string ClusterId { get; init; } = "cep-local";

    /// <summary>Connections served at once; more are refused (closed) until others end.</summary>
    public long MaxConnections { get; init; } = 1000;

    /// <summary>The largest request frame accepted (Kafka's socket.request.max.bytes); a larger one closes that connection.</summary>
    public int MaxRequestBytes { get; init; } = 100 * 1024 * 1024;

    /// <summary>Requests read ahead of their responses on one connection (pipelining); responses go out in request order.</summary>
    public int MaxInFlightPerConnection { get; init; } = 32;

    /// <summary>The group coordinator's timeouts and offset retention.</summary>
    public Groups.GroupCoordinatorOptions Groups { get; init; } = new();
}
