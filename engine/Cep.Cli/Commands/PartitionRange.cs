namespace Cep.Cli.Commands;

/// <summary>A partition's offsets when a consumer starts: the first kept and the end (the next to be written).</summary>
internal sealed record PartitionRange(int Partition, long Start, long End);
