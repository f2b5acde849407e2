namespace Cep.Broker.Groups;

/// <summary>A group's committed position in one partition: the next offset to consume, the leader epoch and metadata the client sent, and when it was committed (epoch ms). Immutable.</summary>
public sealed record CommittedOffset(long Offset, int LeaderEpoch, string? Metadata, long CommitTimestamp);
