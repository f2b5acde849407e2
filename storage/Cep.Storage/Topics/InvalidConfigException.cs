namespace Cep.Storage.Topics;

/// <summary>A topic config key is unknown or its value does not parse or is out of range.</summary>
public sealed class InvalidConfigException : StorageException
{
    public InvalidConfigException(string message)
        : base(message)
    {
    }

    public InvalidConfigException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
