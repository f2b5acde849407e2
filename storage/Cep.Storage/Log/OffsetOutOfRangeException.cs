namespace Cep.Storage.Log;

/// <summary>An offset outside [log start offset, log end offset] was asked for; the message gives the valid range.</summary>
public sealed class OffsetOutOfRangeException : StorageException
{
    public OffsetOutOfRangeException(string message)
        : base(message)
    {
    }

    public OffsetOutOfRangeException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
