namespace Cep.Broker.Cluster;

/// <summary>A registered broker as the metadata log tells it: where clients reach it, its registration epoch and data directory, and whether it is fenced.</summary>
public sealed record BrokerInfo(int NodeId, string Host, int Port, long Epoch, Guid Incarnation, bool Fenced);
