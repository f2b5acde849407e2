namespace Cep.Storage.Topics;

/// <summary>One partition's bounds and size at the time of the call.</summary>
public sealed record PartitionDescription(int Partition, long LogStartOffset, long LogEndOffset, long SizeInBytes, int SegmentCount);
