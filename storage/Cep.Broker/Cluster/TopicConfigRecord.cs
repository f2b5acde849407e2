namespace Cep.Broker.Cluster;

/// <summary>Topic <paramref name="Topic"/>'s config <paramref name="Key"/> is now <paramref name="Value"/> (null: back to the default).</summary>
public sealed record TopicConfigRecord(string Topic, string Key, string? Value) : MetadataRecord;
