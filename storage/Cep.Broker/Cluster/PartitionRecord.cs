namespace Cep.Broker.Cluster;

/// <summary>
/// The whole state of one partition from now on (a new partition, or a change of leader or
/// in-sync replicas): its replica set in preference order (the first is the preferred leader),
/// the in-sync replicas, the leader (−1: none — no in-sync replica is alive), the leader epoch
/// (larger with every change of leader) and the partition epoch (larger with every change at all:
/// a leader's ISR change names the epoch it saw, so a stale one is refused).
/// </summary>
public sealed record PartitionRecord(string Topic, int Partition, IReadOnlyList<int> Replicas, IReadOnlyList<int> Isr, int Leader, int LeaderEpoch, int PartitionEpoch) : MetadataRecord;
