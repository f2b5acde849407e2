using FASTER.core;

namespace Cep.Benchmarks;

/// <summary>
/// The peer's batch: <see cref="Payload.RecordsPerBatch"/> values of <see cref="Payload.ValueSize"/>
/// bytes in one array, handed to <c>FasterLog.Enqueue(IReadOnlySpanBatch)</c>, which reserves
/// space for all of them at once. Refilled in place for every batch. Owned by one producer.
/// </summary>
internal sealed class SpanBatch : IReadOnlySpanBatch
{
    private readonly byte[] _values;

    public SpanBatch()
    {
        _values = new byte[Payload.RecordsPerBatch * Payload.ValueSize];
        byte[] template = Payload.NewValue();
        for (int i = 0; i < Payload.RecordsPerBatch; i++)
        {
            template.CopyTo(_values, i * Payload.ValueSize);
        }
    }

    /// <summary>Stamps the next sequence numbers into the values: the peer's share of "building" a batch.</summary>
    public void Fill(long firstSequence)
    {
        for (int i = 0; i < Payload.RecordsPerBatch; i++)
        {
            Payload.Fill(_values.AsSpan(i * Payload.ValueSize, Payload.ValueSize), firstSequence + i);
        }
    }

    public int TotalEntries() => Payload.RecordsPerBatch;

    public ReadOnlySpan<byte> Get(int index) => _values.AsSpan(index * Payload.ValueSize, Payload.ValueSize);
}
