namespace Cep.Storage.Log;

/// <summary>
/// Whole record batches read from a partition, exactly as stored (so a broker can send them
/// unchanged), with the partition's bounds at the time of the read. The first batch may start
/// before the offset asked for; readers skip records below it.
/// </summary>
public readonly record struct FetchResult(ReadOnlyMemory<byte> Records, long HighWatermark, long LogStartOffset);
