using FASTER.core;

namespace Cep.Benchmarks;

/// <summary>The peer's replay consumer: sees each entry in place (no copy) and sums counts and lengths so the read is not elided. Owned by one thread.</summary>
internal sealed class EntryCounter : ILogEntryConsumer
{
    public long Entries { get; private set; }

    public long Bytes { get; private set; }

    public void Consume(ReadOnlySpan<byte> entry, long currentAddress, long nextAddress)
    {
        Entries++;
        Bytes += entry.Length;
    }
}
