namespace Cep.Broker.Cluster;

/// <summary>Broker <paramref name="NodeId"/>'s registration <paramref name="Epoch"/> is fenced (it stopped heartbeating: it may lead or follow nothing) or unfenced (it heartbeats again).</summary>
public sealed record BrokerFenceRecord(int NodeId, long Epoch, bool Fenced) : MetadataRecord;
