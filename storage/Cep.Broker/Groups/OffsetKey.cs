namespace Cep.Broker.Groups;

/// <summary>Which committed offset: group, topic, partition. Immutable.</summary>
public readonly record struct OffsetKey(string GroupId, string Topic, int Partition);
