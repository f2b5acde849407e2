namespace Cep.Storage;

/// <summary>
/// Base of every error the storage layer reports about its input or its files. The
/// message names the thing at fault (topic, partition, segment, offset, config key), so
/// callers print it as it is. Subtypes let callers map errors to protocol codes.
/// </summary>
public class StorageException : Exception
{
    public StorageException(string message)
        : base(message)
    {
    }

    public StorageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
