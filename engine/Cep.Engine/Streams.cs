using Cep.Engine.Operators;
using Cep.Engine.Time;

namespace Cep.Engine;

/// <summary>
/// Entry points from plain Rx into the DSL. (Named <c>Streams</c>, not <c>Stream</c>, so it
/// never collides with <see cref="System.IO.Stream"/> under the default usings.)
/// </summary>
public static class Streams
{
    /// <summary>
    /// A stream over a plain observable: each value becomes an event at the time the
    /// strategy's timestamp assigner gives it, followed by a watermark whenever the
    /// strategy's watermark rises. Completion of the source completes the stream (and
    /// closes every window downstream).
    /// </summary>
    public static Stream<T> From<T>(IObservable<T> source, WatermarkStrategy<T> watermarks)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(watermarks);
        if (watermarks.TimestampAssigner is null)
        {
            throw new ArgumentException("a plain observable has no record timestamps: give the strategy a timestamp assigner (WithTimestampAssigner)", nameof(watermarks));
        }
        return new Stream<T>(new TimestampedSource<T>(source, watermarks));
    }

    /// <summary>A stream over items you already time-stamp and punctuate yourself.</summary>
    public static Stream<T> FromItems<T>(IObservable<StreamItem<T>> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new Stream<T>(items);
    }
}
