namespace Cep.Engine.Time;

/// <summary>The running watermark of one input: max timestamp seen − delay − 1. Owned by one task.</summary>
internal sealed class WatermarkGenerator(long maxOutOfOrdernessMs)
{
    /// <summary>The highest event time seen (long.MinValue before any): all the generator knows, so all a checkpoint keeps.</summary>
    public long MaxTimestamp { get; set; } = long.MinValue;

    /// <summary>long.MinValue until the first event.</summary>
    public long Current => MaxTimestamp == long.MinValue ? long.MinValue : MaxTimestamp - maxOutOfOrdernessMs - 1;

    public void OnEvent(long timestamp)
    {
        if (timestamp > MaxTimestamp)
        {
            MaxTimestamp = timestamp;
        }
    }
}
