namespace Cep.Storage.Log;

/// <summary>What happens to old data (topic config <c>cleanup.policy</c>); both may be set, as in Kafka.</summary>
[Flags]
public enum CleanupPolicy
{
    Delete = 1,
    Compact = 2,
}
