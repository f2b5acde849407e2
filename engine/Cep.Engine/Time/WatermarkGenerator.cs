namespace Cep.Engine.Time;

/// <summary>The running watermark of one input: max timestamp seen − delay − 1. Owned by one task.</summary>
internal sealed class WatermarkGenerator(long maxOutOfOrdernessMs)
{
    private long _maxTimestamp = long.MinValue;

    /// <summary>long.MinValue until the first event.</summary>
    public long Current => _maxTimestamp == long.MinValue ? long.MinValue : _maxTimestamp - maxOutOfOrdernessMs - 1;

    public void OnEvent(long timestamp)
    {
        if (timestamp > _maxTimestamp)
        {
            _maxTimestamp = timestamp;
        }
    }
}
