using Cep.Engine.Aggregates;
using Cep.Engine.Operators;
using Cep.Engine.State;

namespace Cep.Engine.Windows;

/// <summary>
/// Fixed-size time windows aligned to the epoch, as in Kafka Streams: tumbling (advance =
/// size) or hopping (advance &lt; size, so an event falls into size/advance windows). A window
/// [start, start + size) closes when the watermark reaches end − 1 + grace; events for a closed
/// window are late. Immutable.
/// </summary>
public sealed record TimeWindows : IWindowDefinition
{
    private TimeWindows(long sizeMs, long advanceMs)
    {
        SizeMs = sizeMs;
        AdvanceMs = advanceMs;
    }

    public long SizeMs { get; }

    public long AdvanceMs { get; }

    /// <summary>How long after its end (in event time) a window still takes late events.</summary>
    public long GraceMs { get; private init; }

    public EmitMode Emit { get; private init; } = EmitMode.Final;

    public static TimeWindows Tumbling(TimeSpan size) => Hopping(size, size);

    public static TimeWindows Hopping(TimeSpan size, TimeSpan advance)
    {
        long sizeMs = (long)size.TotalMilliseconds, advanceMs = (long)advance.TotalMilliseconds;
        if (sizeMs <= 0 || advanceMs <= 0 || advanceMs > sizeMs)
        {
            throw new ArgumentException($"windows need 0 < advance ≤ size; got size {sizeMs} ms, advance {advanceMs} ms");
        }
        return new TimeWindows(sizeMs, advanceMs);
    }

    public TimeWindows WithGrace(TimeSpan grace)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(grace, TimeSpan.Zero);
        return this with { GraceMs = (long)grace.TotalMilliseconds };
    }

    public TimeWindows EmitEveryUpdate() => this with { Emit = EmitMode.EveryUpdate };

    public TimeWindows EmitFinal() => this with { Emit = EmitMode.Final };

    IObservable<StreamItem<WindowResult<TKey, TOut>>> IWindowDefinition.Aggregate<TKey, TIn, TAcc, TOut, TAgg>(
        IObservable<StreamItem<TIn>> source, Func<TIn, TKey> keySelector, TAgg aggregator, IObserver<StreamItem<LateEvent<TIn>>> lateOutput) =>
        new WindowAggregateOperator<TKey, TIn, TAcc, TOut, TAgg>(source, keySelector, this, aggregator, static () => Runtime.QueryContext.WindowStore<TKey, TAcc>(), lateOutput);

    /// <summary>The start of the last window holding <paramref name="timestamp"/> (windows hold it from there back, one advance apart, while start > timestamp − size).</summary>
    internal long LastStart(long timestamp) => timestamp - Mod(timestamp, AdvanceMs);

    /// <summary>Whether the window starting at <paramref name="start"/> is closed at <paramref name="watermark"/>.</summary>
    internal bool IsClosed(long start, long watermark) => watermark != long.MinValue && start + SizeMs - 1 + GraceMs <= watermark;

    private static long Mod(long value, long modulus)
    {
        long remainder = value % modulus;
        return remainder < 0 ? remainder + modulus : remainder;
    }
}
