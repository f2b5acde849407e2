namespace Cep.Storage.Log;

/// <summary>
/// An idempotent producer's batch does not follow its last appended sequence (a gap, or an old
/// sequence that is not one of its recent batches); nothing of the append was written. The
/// message names the partition, producer, epoch, and the expected and received sequences.
/// </summary>
public sealed class OutOfOrderSequenceException : StorageException
{
    public OutOfOrderSequenceException(string message)
        : base(message)
    {
    }
}
