using Cep.Engine.Aggregates;
using Cep.Engine.Operators;

namespace Cep.Engine.Windows;

/// <summary>
/// Windows of a number of events per key, in arrival order (the order of the input log, so
/// replay gives the same windows; event time does not decide membership). Tumbling: every
/// <see cref="Size"/> events of a key make one window. Sliding: every <see cref="Advance"/>
/// events, a window of the key's last <see cref="Size"/> events (fewer at the start).
/// A result carries the event time of the last event to arrive in its window, and the window
/// [earliest event time, latest event time + 1) of its events. Watermarks do not close count
/// windows (they pass on), so there are no late events. When the input completes, a window
/// that has events not yet in any result is emitted as it is, short, so that no event is
/// silently left out. Immutable.
/// </summary>
public sealed record CountWindows : IWindowDefinition
{
    private CountWindows(int size, int advance)
    {
        Size = size;
        Advance = advance;
    }

    /// <summary>Events per window.</summary>
    public int Size { get; }

    /// <summary>Events between results (equal to <see cref="Size"/> when tumbling).</summary>
    public int Advance { get; }

    public static CountWindows Tumbling(int size) => Sliding(size, size);

    /// <summary>Every <paramref name="advance"/> events of a key, the window of its last <paramref name="size"/> events.</summary>
    public static CountWindows Sliding(int size, int advance)
    {
        if (size < 1 || advance < 1 || advance > size)
        {
            throw new ArgumentException($"count windows need 1 ≤ advance ≤ size; got size {size}, advance {advance}");
        }
        return new CountWindows(size, advance);
    }

    IObservable<StreamItem<WindowResult<TKey, TOut>>> IWindowDefinition.Aggregate<TKey, TIn, TAcc, TOut, TAgg>(
        IObservable<StreamItem<TIn>> source, Func<TIn, TKey> keySelector, TAgg aggregator, IObserver<StreamItem<LateEvent<TIn>>> lateOutput) =>
        new CountWindowOperator<TKey, TIn, TAcc, TOut, TAgg>(source, keySelector, this, aggregator, lateOutput);
}
