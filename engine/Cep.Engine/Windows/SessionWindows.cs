using Cep.Engine.Aggregates;
using Cep.Engine.Operators;

namespace Cep.Engine.Windows;

/// <summary>
/// Session windows, as in Kafka Streams: per key, a session is a run of events each within the
/// inactivity gap of the next (a difference of exactly the gap still joins). An event within
/// the gap of two sessions merges them (with the aggregator's Merge). A session whose events
/// span [first, last] is reported as the window [first, last + 1), so its results carry event
/// time last, like every other window's end − 1.
/// <para>
/// Closing: a session can still grow while an event at last + gap may arrive, so it closes when
/// the watermark reaches last + gap + grace. This is Kafka Streams' rule (a record is dropped
/// when stream time &gt; session end + gap + grace) under the same equivalence as
/// <see cref="TimeWindows"/> (watermark = stream time − 1). An event is late, and goes to the
/// late side output, when the session it would form (after merging) is already closed by that
/// rule, or when it would reach back into a session already closed (within the gap after its
/// last event): a closed session's result is final and cannot be merged into.
/// </para>
/// Immutable.
/// </summary>
public sealed record SessionWindows : IWindowDefinition
{
    private SessionWindows(long gapMs)
    {
        GapMs = gapMs;
    }

    /// <summary>The inactivity gap: events at most this far apart belong to one session.</summary>
    public long GapMs { get; }

    /// <summary>How long after a session could last have grown (its last event + gap) it still takes late events.</summary>
    public long GraceMs { get; private init; }

    public EmitMode Emit { get; private init; } = EmitMode.Final;

    public static SessionWindows WithGap(TimeSpan inactivityGap)
    {
        long gapMs = (long)inactivityGap.TotalMilliseconds;
        if (gapMs <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(inactivityGap), inactivityGap, "a session gap must be at least 1 ms");
        }
        return new SessionWindows(gapMs);
    }

    public SessionWindows WithGrace(TimeSpan grace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        return this with { GraceMs = (long)grace.TotalMilliseconds };
    }

    /// <summary>
    /// Emit the session's result on every event. After a merge the result is for the merged
    /// session; the results emitted earlier for the sessions it swallowed are not retracted (a
    /// later result whose window covers theirs supersedes them).
    /// </summary>
    public SessionWindows EmitEveryUpdate() => this with { Emit = EmitMode.EveryUpdate };

    public SessionWindows EmitFinal() => this with { Emit = EmitMode.Final };

    IObservable<StreamItem<WindowResult<TKey, TOut>>> IWindowDefinition.Aggregate<TKey, TIn, TAcc, TOut, TAgg>(
        IObservable<StreamItem<TIn>> source, Func<TIn, TKey> keySelector, TAgg aggregator, IObserver<StreamItem<LateEvent<TIn>>> lateOutput) =>
        new SessionWindowOperator<TKey, TIn, TAcc, TOut, TAgg>(source, keySelector, this, aggregator, static () => Runtime.QueryContext.SessionStore<TKey, TAcc>(), lateOutput);
}
