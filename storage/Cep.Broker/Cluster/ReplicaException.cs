using Cep.Broker.Protocol;
using Cep.Storage;

namespace Cep.Broker.Cluster;

/// <summary>
/// A request about a partition this broker cannot serve as asked — it does not lead it
/// (NOT_LEADER_OR_FOLLOWER), the client's leader epoch is older or newer than the partition's
/// (FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH), too few replicas are in sync for acks=all
/// (NOT_ENOUGH_REPLICAS), or the replicas did not confirm in time (REQUEST_TIMED_OUT). A
/// <see cref="StorageException"/>, so every handler answers it with <see cref="Code"/> as it
/// answers any storage error.
/// </summary>
public sealed class ReplicaException(ErrorCode code, string message) : StorageException(message)
{
    public ErrorCode Code => code;
}
