namespace Cep.Engine.Operators;

/// <summary>
/// Saturating arithmetic on event times, so that window bounds computed near the ends of the
/// long range (the long.MinValue "no watermark yet", user timestamps) clamp instead of wrapping
/// round and closing or opening everything.
/// </summary>
internal static class TimeMath
{
    /// <summary><paramref name="time"/> − <paramref name="duration"/> (duration ≥ 0), at least long.MinValue.</summary>
    public static long Subtract(long time, long duration) => time < long.MinValue + duration ? long.MinValue : time - duration;

    /// <summary><paramref name="time"/> + <paramref name="duration"/> (duration ≥ 0), at most long.MaxValue.</summary>
    public static long Add(long time, long duration) => time > long.MaxValue - duration ? long.MaxValue : time + duration;
}
