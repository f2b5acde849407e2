namespace Cep.Storage.Records;

/// <summary>A well-formed record the log refuses by policy (e.g. a null key on a compacted topic).</summary>
public sealed class InvalidRecordException : StorageException
{
    public InvalidRecordException(string message)
        : base(message)
    {
    }
}
