namespace Cep.Cli.Commands;

/// <summary>A record as <c>cep consume</c> prints it: where it is, its key and value bytes (null when absent).</summary>
internal sealed record ConsumedRecord(int Partition, long Offset, byte[]? Key, byte[]? Value);
