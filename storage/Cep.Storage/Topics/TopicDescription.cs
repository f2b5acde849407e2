using Cep.Storage.Log;

namespace Cep.Storage.Topics;

/// <summary>A topic as <c>describe</c> shows it: its settings and each partition's bounds at the time of the call.</summary>
public sealed record TopicDescription(string Name, int ReplicationFactor, LogConfig Config, IReadOnlyList<PartitionDescription> Partitions);
