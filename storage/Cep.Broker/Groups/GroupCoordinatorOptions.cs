namespace Cep.Broker.Groups;

/// <summary>The coordinator's limits and timers (Kafka's group.* and offsets.* broker settings). Immutable.</summary>
public sealed record GroupCoordinatorOptions
{
    /// <summary>Shortest session timeout a member may ask for (Kafka: group.min.session.timeout.ms).</summary>
    public TimeSpan MinSessionTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest session timeout a member may ask for (Kafka: group.max.session.timeout.ms).</summary>
    public TimeSpan MaxSessionTimeout { get; init; } = TimeSpan.FromMinutes(30);

    /// <summary>How long the offsets of a group without members are kept (Kafka: offsets.retention.minutes, 7 days).</summary>
    public TimeSpan OffsetsRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Longest metadata string kept with a committed offset (Kafka: offset.metadata.max.bytes).</summary>
    public int MaxMetadataSize { get; init; } = 4096;

    /// <summary>How often sessions and rebalance deadlines are checked.</summary>
    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(100);
}
