namespace Cep.Broker.Cluster;

/// <summary>How the active controller judges brokers and places replicas.</summary>
public sealed record ControllerOptions
{
    /// <summary>A broker silent this long is fenced, and its partitions get new leaders (Kafka's broker.session.timeout.ms; 9 s there).</summary>
    public TimeSpan BrokerSessionTimeout { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Replicas of a new topic's partitions when the request does not say (Kafka's default.replication.factor), capped at the live brokers.</summary>
    public int DefaultReplicationFactor { get; init; } = 1;

    /// <summary>Partitions of a new topic when the request does not say (num.partitions).</summary>
    public int DefaultPartitions { get; init; } = 1;
}
