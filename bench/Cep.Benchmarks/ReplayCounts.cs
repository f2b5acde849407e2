namespace Cep.Benchmarks;

/// <summary>What one replay of our log saw, and where its time went (Stopwatch ticks). Owned by one thread.</summary>
internal sealed class ReplayCounts
{
    public long Records { get; set; }

    public long LengthSum { get; set; }

    public long Bytes { get; set; }

    public long Reads { get; set; }

    public long ReadTicks { get; set; }

    public long CrcTicks { get; set; }

    public long DecodeTicks { get; set; }
}
