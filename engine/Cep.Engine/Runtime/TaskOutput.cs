namespace Cep.Engine.Runtime;

/// <summary>Something a task writes to the log: records buffered while the graph runs, appended at the end of each iteration. Owned by one task.</summary>
internal abstract class TaskOutput
{
    /// <summary>The error the graph delivered to this output, if any: it stops the task.</summary>
    public Exception? Error { get; protected set; }

    public abstract ValueTask FlushAsync(ITopicLog log);
}
