namespace Cep.Storage.Log;

/// <summary>
/// A batch carries an older producer epoch than the partition has seen for that producer id: a
/// zombie instance was fenced by a newer one. Nothing of the append was written; the message
/// names the partition, producer and both epochs.
/// </summary>
public sealed class InvalidProducerEpochException : StorageException
{
    public InvalidProducerEpochException(string message)
        : base(message)
    {
    }
}
