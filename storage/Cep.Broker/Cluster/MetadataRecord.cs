using System.Text.Json.Serialization;

namespace Cep.Broker.Cluster;

/// <summary>
/// One entry of the cluster's metadata log (Kafka's KRaft records, trimmed to what Cep keeps):
/// the log, replicated by the controllers' Raft quorum and applied in order, is the cluster's
/// whole metadata — <see cref="ClusterImage"/> is what applying it gives. Records are facts the
/// active controller decided; applying one never fails and never decides anything. Encoded as
/// JSON with a <c>type</c> field (<see cref="MetadataRecordSerde"/>): metadata is small, and a
/// readable log is worth more than a compact one.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RegisterBrokerRecord), "register-broker")]
[JsonDerivedType(typeof(BrokerFenceRecord), "broker-fence")]
[JsonDerivedType(typeof(TopicRecord), "topic")]
[JsonDerivedType(typeof(PartitionRecord), "partition")]
[JsonDerivedType(typeof(TopicConfigRecord), "topic-config")]
[JsonDerivedType(typeof(RemoveTopicRecord), "remove-topic")]
public abstract record MetadataRecord;
