namespace Cep.Storage.Log;

/// <summary>A batch is larger than the topic's max.message.bytes.</summary>
public sealed class RecordTooLargeException : StorageException
{
    public RecordTooLargeException(string message)
        : base(message)
    {
    }

    public RecordTooLargeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
