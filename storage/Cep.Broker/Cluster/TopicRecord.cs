namespace Cep.Broker.Cluster;

/// <summary>Topic <paramref name="Name"/> exists, with id <paramref name="Id"/> and the configs set at creation; its partitions follow as <see cref="PartitionRecord"/>s.</summary>
public sealed record TopicRecord(string Name, Guid Id, IReadOnlyDictionary<string, string> Configs) : MetadataRecord;
