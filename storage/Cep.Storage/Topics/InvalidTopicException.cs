namespace Cep.Storage.Topics;

/// <summary>A topic name breaks Kafka's naming rules, or a topic is asked for in a way it cannot serve (e.g. more partitions removed).</summary>
public sealed class InvalidTopicException : StorageException
{
    public InvalidTopicException(string message)
        : base(message)
    {
    }

    public InvalidTopicException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
