namespace Cep.Broker.Cluster;

/// <summary>How leaders judge their followers and how followers fetch.</summary>
public sealed record ReplicationOptions
{
    /// <summary>A follower not caught up with the leader's log end for this long leaves the ISR (Kafka's replica.lag.time.max.ms; 30 s there).</summary>
    public TimeSpan ReplicaLagTimeMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a follower's fetch waits at the leader for new records.</summary>
    public TimeSpan FetchMaxWait { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>At most this much per partition in one follower fetch.</summary>
    public int FetchPartitionMaxBytes { get; init; } = 1024 * 1024;

    /// <summary>An acks=all produce fails with REQUEST_TIMED_OUT when the ISR has not confirmed it in this time (the request's own timeout applies when shorter).</summary>
    public TimeSpan AckTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
