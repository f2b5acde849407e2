namespace Cep.Storage.Topics;

/// <summary>A topic of that name already exists.</summary>
public sealed class TopicExistsException : StorageException
{
    public TopicExistsException(string message)
        : base(message)
    {
    }

    public TopicExistsException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
