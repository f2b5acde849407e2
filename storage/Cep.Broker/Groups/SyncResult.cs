using Cep.Broker.Protocol;

namespace Cep.Broker.Groups;

/// <summary>The answer to a SyncGroup: the member's assignment (opaque bytes the leader made). Immutable.</summary>
public sealed record SyncResult(ErrorCode Error, byte[] Assignment)
{
    public static SyncResult Failed(ErrorCode error) => new(error, []);
}
