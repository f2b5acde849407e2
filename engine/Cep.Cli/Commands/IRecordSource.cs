namespace Cep.Cli.Commands;

/// <summary>Where <c>cep consume</c> reads a topic: the data directory, or a daemon's admin API. Thread-safe (one reader per partition at a time).</summary>
internal interface IRecordSource
{
    string Topic { get; }

    /// <summary>Every partition (or only <paramref name="only"/>, validated) with its offsets now.</summary>
    Task<IReadOnlyList<PartitionRange>> PartitionsAsync(int? only, CancellationToken ct);

    /// <summary>The first offset at or after <paramref name="time"/> (epoch ms); the end when there is none.</summary>
    Task<long> OffsetForTimeAsync(int partition, long time, CancellationToken ct);

    /// <summary>Records from <paramref name="start"/> to the end the partition had at start, or on for ever with <paramref name="follow"/>.</summary>
    IAsyncEnumerable<ConsumedRecord> ReadAsync(PartitionRange partition, long start, bool follow, CancellationToken ct);
}
