using System.Collections.Immutable;

namespace Cep.Broker.Cluster;

/// <summary>A topic as the metadata log tells it: its id, its configs (only those set) and each partition's state, by partition number.</summary>
public sealed record TopicInfo(string Name, Guid Id, ImmutableDictionary<string, string> Configs, ImmutableArray<PartitionRecord> Partitions);
