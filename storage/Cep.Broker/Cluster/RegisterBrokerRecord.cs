namespace Cep.Broker.Cluster;

/// <summary>
/// Broker <paramref name="NodeId"/> (re)started and serves Kafka clients at
/// <paramref name="Host"/>:<paramref name="Port"/>. <paramref name="Epoch"/> numbers its
/// registrations (the controller gives each a larger one; heartbeats must carry it), and
/// <paramref name="Incarnation"/> names its data directory: a new one means the directory was
/// wiped, so the broker's logs are empty whatever its replicas held. A registered broker starts
/// fenced: it leads nothing until its first heartbeat as this registration.
/// </summary>
public sealed record RegisterBrokerRecord(int NodeId, string Host, int Port, long Epoch, Guid Incarnation) : MetadataRecord;
