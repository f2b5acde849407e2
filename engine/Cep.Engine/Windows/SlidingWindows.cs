using Cep.Engine.Aggregates;
using Cep.Engine.Operators;
using Cep.Engine.State;

namespace Cep.Engine.Windows;

/// <summary>
/// Sliding windows as in Kafka Streams' SlidingWindows: per key, windows of a fixed size
/// defined by the maximum time difference d between events in one window (both bounds
/// inclusive), placed where events enter or leave them rather than on an epoch grid. Every
/// event at t defines the window [t − d, t] (it and the events up to d before it) and the window
/// [t + 1, t + d + 1] (the events after it, once it dropped out) — the latter only if some event
/// falls in it. So there is a result for every distinct set of events a window of that size can
/// hold at the point it changes, and never one for an empty window. Windows are reported
/// half-open, as every window here: Kafka Streams' [3000;8000] is <c>[3000, 8001)</c>, and its
/// results carry event time 8000 (the inclusive end).
/// <para>
/// Closing: a window [s, e] closes when the watermark reaches e + grace: Kafka Streams closes
/// it when stream time &gt; e + grace, and watermark = stream time − 1, as for
/// <see cref="TimeWindows"/>. An event at t is late when every window holding it (the last ends
/// at t + d) is closed; if only some are (t + grace ≤ watermark), it updates the open ones and
/// is still reported on the late side output, as hopping windows do.
/// </para>
/// Unlike Kafka Streams, timestamps may be negative: a window may start before the epoch (Kafka
/// Streams clamps early windows to start at 0). Immutable.
/// </summary>
public sealed record SlidingWindows : IWindowDefinition
{
    private SlidingWindows(long timeDifferenceMs)
    {
        TimeDifferenceMs = timeDifferenceMs;
    }

    /// <summary>The largest time difference between two events of one window (inclusive): windows span d + 1 ms.</summary>
    public long TimeDifferenceMs { get; }

    /// <summary>How long after its end (in event time) a window still takes late events.</summary>
    public long GraceMs { get; private init; }

    public EmitMode Emit { get; private init; } = EmitMode.Final;

    /// <summary>Kafka Streams' <c>ofTimeDifferenceWithNoGrace</c>; add grace with <see cref="WithGrace"/>.</summary>
    public static SlidingWindows OfTimeDifference(TimeSpan timeDifference)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(timeDifference, TimeSpan.Zero);
        return new SlidingWindows((long)timeDifference.TotalMilliseconds);
    }

    /// <summary>Kafka Streams' <c>ofTimeDifferenceAndGrace</c>.</summary>
    public static SlidingWindows OfTimeDifferenceAndGrace(TimeSpan timeDifference, TimeSpan grace) =>
        OfTimeDifference(timeDifference).WithGrace(grace);

    public SlidingWindows WithGrace(TimeSpan grace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        return this with { GraceMs = (long)grace.TotalMilliseconds };
    }

    /// <summary>Emit a window's result when it is created and on every event added to it (an event creates or updates several windows: in start order).</summary>
    public SlidingWindows EmitEveryUpdate() => this with { Emit = EmitMode.EveryUpdate };

    public SlidingWindows EmitFinal() => this with { Emit = EmitMode.Final };

    IObservable<StreamItem<WindowResult<TKey, TOut>>> IWindowDefinition.Aggregate<TKey, TIn, TAcc, TOut, TAgg>(
        IObservable<StreamItem<TIn>> source, Func<TIn, TKey> keySelector, TAgg aggregator, IObserver<StreamItem<LateEvent<TIn>>> lateOutput) =>
        new SlidingWindowOperator<TKey, TIn, TAcc, TOut, TAgg>(source, keySelector, this, aggregator, static () => Runtime.QueryContext.WindowStore<TKey, TAcc>(),
            static () => Runtime.QueryContext.KeyValueStore<TKey, List<StreamItem<TIn>>>("events", KeyedEventBuffer<TKey, TIn>.Write, KeyedEventBuffer<TKey, TIn>.Read), lateOutput);
}
