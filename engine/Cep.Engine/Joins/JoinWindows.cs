namespace Cep.Engine.Joins;

/// <summary>
/// When two events of the same key join in a stream-stream join, as Kafka Streams'
/// <c>JoinWindows</c> (3.x, after KIP-633): a left event at t joins a right event at t' when
/// t − <see cref="BeforeMs"/> ≤ t' ≤ t + <see cref="AfterMs"/>, both bounds inclusive
/// (<see cref="OfTimeDifference"/> makes the window symmetric: |t − t'| ≤ difference).
/// <see cref="GraceMs"/> is how far behind the watermark an event may still arrive; a later
/// one is late and goes to the join's late side output. A left event's window closes once the
/// watermark reaches t + after + grace (a right event's: t' + before + grace); only then does a
/// left or outer join emit it unmatched. Immutable.
/// </summary>
public sealed record JoinWindows
{
    private JoinWindows(long beforeMs, long afterMs)
    {
        BeforeMs = beforeMs;
        AfterMs = afterMs;
    }

    /// <summary>How far before a left event's time a right event may be and still join it.</summary>
    public long BeforeMs { get; private init; }

    /// <summary>How far after a left event's time a right event may be and still join it.</summary>
    public long AfterMs { get; private init; }

    /// <summary>How far behind the watermark (in event time) an event may arrive and still join; 0 unless set.</summary>
    public long GraceMs { get; private init; }

    /// <summary>Events join when their times differ by at most <paramref name="difference"/> (either way); no grace.</summary>
    public static JoinWindows OfTimeDifference(TimeSpan difference)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(difference, TimeSpan.Zero);
        long ms = (long)difference.TotalMilliseconds;
        return new JoinWindows(ms, ms);
    }

    public JoinWindows WithGrace(TimeSpan grace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        return this with { GraceMs = (long)grace.TotalMilliseconds };
    }

    /// <summary>
    /// Sets how far before a left event a right event may be. May be negative (the right event
    /// must then come at least that much after), as long as before + after ≥ 0.
    /// </summary>
    public JoinWindows Before(TimeSpan before) => Validated(this with { BeforeMs = (long)before.TotalMilliseconds });

    /// <summary>Sets how far after a left event a right event may be. May be negative, as long as before + after ≥ 0.</summary>
    public JoinWindows After(TimeSpan after) => Validated(this with { AfterMs = (long)after.TotalMilliseconds });

    private static JoinWindows Validated(JoinWindows windows)
    {
        if (windows.BeforeMs + windows.AfterMs < 0)
        {
            throw new ArgumentException($"a join window needs before + after ≥ 0; got before {windows.BeforeMs} ms, after {windows.AfterMs} ms");
        }
        return windows;
    }
}
