namespace Cep.Storage.Records;

/// <summary>A record batch fails its CRC, its framing or its varints: the bytes are not what a writer wrote.</summary>
public sealed class CorruptRecordException : StorageException
{
    public CorruptRecordException(string message)
        : base(message)
    {
    }

    public CorruptRecordException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
