namespace Cep.Engine.Time;

/// <summary>
/// How a source turns event times into watermarks: where the timestamp comes from (the
/// record's timestamp, or a field via <see cref="WithTimestampAssigner"/>), how much disorder
/// to wait for, and when a silent input stops holding the watermark back. A watermark W says
/// every event with timestamp ≤ W has arrived: with bounded out-of-orderness d it is
/// max timestamp − d − 1, with monotonic timestamps max timestamp − 1 (Flink's definitions).
/// Immutable.
/// </summary>
public sealed record WatermarkStrategy<T>
{
    private WatermarkStrategy(long maxOutOfOrdernessMs)
    {
        MaxOutOfOrdernessMs = maxOutOfOrdernessMs;
    }

    /// <summary>How late (in event time) an event may arrive behind the newest one and still be on time.</summary>
    public long MaxOutOfOrdernessMs { get; }

    /// <summary>Where the event time comes from; null means the record's own timestamp.</summary>
    public Func<T, long>? TimestampAssigner { get; private init; }

    /// <summary>After this long (processing time) without events, an input is idle and no longer holds the watermark back; null never.</summary>
    public TimeSpan? Idleness { get; private init; }

    public static WatermarkStrategy<T> ForBoundedOutOfOrderness(TimeSpan maxOutOfOrderness)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOutOfOrderness, TimeSpan.Zero);
        return new((long)maxOutOfOrderness.TotalMilliseconds);
    }

    public static WatermarkStrategy<T> ForMonotonicTimestamps() => new(0);

    public WatermarkStrategy<T> WithTimestampAssigner(Func<T, long> timestampOf) => this with { TimestampAssigner = timestampOf };

    public WatermarkStrategy<T> WithIdleness(TimeSpan idleness)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(idleness, TimeSpan.Zero);
        return this with { Idleness = idleness };
    }

    internal WatermarkGenerator CreateGenerator() => new(MaxOutOfOrdernessMs);
}
