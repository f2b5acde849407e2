using System.Reactive.Subjects;
using Cep.Engine.Time;
using Cep.Storage.Records;

namespace Cep.Engine.Runtime;

/// <summary>
/// A topic partition as a source of typed events: decodes records (key/value serdes), takes
/// the event time from the strategy's assigner or the record timestamp, queues the events in
/// offset order and pushes them into the graph through a subject when the task's merge picks
/// them. A source topic's watermark comes from the strategy; a repartition topic's from the
/// watermark records its upstream tasks write (<see cref="UpstreamWatermarks"/>). Owned by one task.
/// </summary>
internal sealed class TopicInput<T>(
    IPartitionCursor cursor,
    int group,
    long endOffset,
    Func<Record, T> decode,
    WatermarkStrategy<T> strategy,
    UpstreamWatermarks? upstream = null) : TaskInput(cursor, group)
{
    private readonly Queue<StreamItem<T>> _queue = new();
    private readonly Func<T, long>? _timestampOf = strategy.TimestampAssigner;
    private readonly WatermarkGenerator _generator = strategy.CreateGenerator();

    public override long Watermark => upstream?.Current ?? _generator.Current;

    public override bool IsFinished(bool stopAtEnd) =>
        upstream is not null ? upstream.AllEnded : stopAtEnd && Cursor.Position >= endOffset;

    public Subject<StreamItem<T>> Source { get; } = new();

    public override int Buffered => _queue.Count;

    public override long HeadTimestamp => _queue.Peek().Timestamp;

    public override int Fill(TaskContextServices services) => Cursor.Read(record =>
    {
        if (services.StopError is not null)
        {
            return; // the query stops at the bad record: nothing after it is decoded
        }
        if (upstream is not null && record.HeaderCount > 0 && WatermarkRecord(record) is { } watermark)
        {
            upstream.Update(watermark);
            return;
        }
        var origin = new EventOrigin(Cursor.Topic, Cursor.Partition, record.Offset);
        T value;
        long timestamp;
        try
        {
            value = decode(record);
            timestamp = _timestampOf is null ? record.Timestamp : _timestampOf(value);
        }
        catch (Exception e)
        {
            services.OnBadRecord(origin, record.Key, record.Value, record.Timestamp, e);
            return;
        }
        _queue.Enqueue(StreamItem<T>.Event(value, timestamp, origin, record.HeaderCount > 0 ? record.GetHeaders() : null));
    });

    public override void PushHead()
    {
        var item = _queue.Dequeue();
        _generator.OnEvent(item.Timestamp);
        Source.OnNext(item);
    }

    public override void PushPunctuation(StreamItemKind kind, long timestamp) => Source.OnNext(kind switch
    {
        StreamItemKind.Watermark => StreamItem<T>.Watermark(timestamp),
        StreamItemKind.Barrier => StreamItem<T>.Barrier(timestamp),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a punctuation"),
    });

    public override void Complete() => Source.OnCompleted();

    private static byte[]? WatermarkRecord(Record record)
    {
        foreach (var header in record.GetHeaders())
        {
            if (header.Key == UpstreamWatermarks.Header)
            {
                return header.Value;
            }
        }
        return null;
    }
}
