namespace Cep.Storage.Log;

/// <summary>The operating system refused a write, flush or read (disk full, I/O error); nothing after the last acknowledged append is exposed.</summary>
public sealed class LogIOException : StorageException
{
    public LogIOException(string message)
        : base(message)
    {
    }

    public LogIOException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
