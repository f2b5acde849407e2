using Cep.Storage.Records;

namespace Cep.Engine;

/// <summary>
/// What flows over an edge of the operator graph: an event (a value at an event time, with
/// its origin in the log) or a punctuation (a watermark, a checkpoint barrier). A struct, so
/// pushing an event through a chain of operators allocates nothing. Timestamps are
/// milliseconds since the Unix epoch. Record headers ride along (null when there are none):
/// per-event operators keep them, aggregates and joins make new events without them.
/// </summary>
public readonly struct StreamItem<T>
{
    private StreamItem(StreamItemKind kind, long timestamp, T value, EventOrigin origin, RecordHeader[]? headers)
    {
        Kind = kind;
        Timestamp = timestamp;
        Value = value;
        Origin = origin;
        Headers = headers;
    }

    public StreamItemKind Kind { get; }

    /// <summary>Event: its event time. Watermark: the watermark. Barrier: the checkpoint id.</summary>
    public long Timestamp { get; }

    /// <summary>The event's value (default for punctuations).</summary>
    public T Value { get; }

    public EventOrigin Origin { get; }

    /// <summary>The record headers the event came with, or null.</summary>
    public RecordHeader[]? Headers { get; }

    public bool IsEvent => Kind == StreamItemKind.Event;

    public static StreamItem<T> Event(T value, long timestamp, EventOrigin origin = default, RecordHeader[]? headers = null) =>
        new(StreamItemKind.Event, timestamp, value, origin, headers);

    public static StreamItem<T> Watermark(long watermark) => new(StreamItemKind.Watermark, watermark, default!, default, null);

    public static StreamItem<T> Barrier(long checkpointId) => new(StreamItemKind.Barrier, checkpointId, default!, default, null);

    /// <summary>The same event (time, origin, headers) with another value.</summary>
    public StreamItem<TOut> With<TOut>(TOut value) => new(Kind, Timestamp, value, Origin, Headers);

    /// <summary>This punctuation on an edge of another type.</summary>
    public StreamItem<TOut> AsPunctuation<TOut>() => new(Kind, Timestamp, default!, default, null);

    public override string ToString() => Kind switch
    {
        StreamItemKind.Event => $"{Value}@{Timestamp}",
        StreamItemKind.Watermark => $"watermark {Timestamp}",
        StreamItemKind.Barrier => $"barrier {Timestamp}",
        _ => throw new InvalidOperationException($"unknown item kind {Kind}"),
    };
}
