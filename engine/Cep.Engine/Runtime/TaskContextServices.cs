namespace Cep.Engine.Runtime;

/// <summary>What inputs need from their task while decoding: the error policy and the dead-letter path. Owned by one task.</summary>
internal sealed class TaskContextServices(QueryOptions options, DeadLetterOutput? deadLetters)
{
    public QueryOptions Options => options;

    /// <summary>
    /// Set when a bad record must stop the query: inputs stop decoding there, the events before
    /// it still go through the graph and out, then the task stops with this error.
    /// </summary>
    public InputRecordException? StopError { get; private set; }

    /// <summary>Handles a record that failed to decode: dead-letters it, or records the error that stops the query.</summary>
    public void OnBadRecord(EventOrigin origin, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, long timestamp, Exception error)
    {
        if (options.OnBadRecord == ErrorPolicy.DeadLetter && deadLetters is not null)
        {
            deadLetters.Add(origin, key, value, timestamp, error);
            return;
        }
        StopError ??= new InputRecordException(origin, error);
    }
}
