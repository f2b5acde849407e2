namespace Cep.Cli.Commands;

/// <summary>Where <c>cep produce</c> sends its lines: the store itself, or a daemon's admin API. Owned by one producer.</summary>
internal interface ILineSink
{
    /// <summary>Records acknowledged so far: every one of them is in the log.</summary>
    long Acknowledged { get; }

    /// <summary>Adds one line (line numbers name a bad line in errors).</summary>
    ValueTask AddAsync(string line, long lineNumber);

    /// <summary>Appends what is buffered and waits for every append in flight.</summary>
    Task CompleteAsync();
}
