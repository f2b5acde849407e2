using Cep.Storage.IO;

namespace Cep.Storage.Log;

/// <summary>What a partition log takes from its host: the clock and the way segment files are opened (tests inject faults here).</summary>
public sealed record PartitionLogOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public Func<string, ILogFile> OpenLogFile { get; init; } = path => new FileLogFile(path);
}
