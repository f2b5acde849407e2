namespace Cep.Broker.Cluster;

/// <summary>Topic <paramref name="Name"/> and its partitions are gone; every replica deletes its logs.</summary>
public sealed record RemoveTopicRecord(string Name) : MetadataRecord;
