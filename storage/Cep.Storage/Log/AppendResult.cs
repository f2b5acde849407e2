namespace Cep.Storage.Log;

/// <summary>
/// Where an append landed: the offsets it was given and, for LogAppendTime topics, the time stamped on it (else −1).
/// <see cref="IsDuplicate"/> marks a retry of batches an idempotent producer had already appended:
/// nothing was written again, and the offsets (and append time) are those of the original append.
/// </summary>
public readonly record struct AppendResult(long FirstOffset, long LastOffset, long LogAppendTime, int RecordCount)
{
    public bool IsDuplicate { get; init; }
}
