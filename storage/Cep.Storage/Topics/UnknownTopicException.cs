namespace Cep.Storage.Topics;

/// <summary>The topic (or partition) does not exist.</summary>
public sealed class UnknownTopicException : StorageException
{
    public UnknownTopicException(string message)
        : base(message)
    {
    }

    public UnknownTopicException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
