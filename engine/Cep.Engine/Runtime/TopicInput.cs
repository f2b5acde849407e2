using System.Reactive.Subjects;
using System.Text;
using Cep.Engine.State;
using Cep.Engine.Time;
using Cep.Storage.Records;
using Cep.Storage.State;

namespace Cep.Engine.Runtime;

/// <summary>
/// A topic partition as a source of typed events: decodes records (key/value serdes), takes
/// the event time from the strategy's assigner or the record timestamp, queues the events in
/// offset order and pushes them into the graph through a subject when the task's merge picks
/// them. A source topic's watermark comes from the strategy; a repartition topic's from the
/// watermark records its upstream tasks write (<see cref="UpstreamWatermarks"/>).
/// Checkpointed (in the task store): the offset to resume from (the first event not yet pushed
/// into the graph), the offset read up to, the watermark generator's and the upstream tasks'
/// watermarks. Records between the two offsets are read again after a restore; a bad one
/// among them was already dead-lettered before the checkpoint, so it is not sent again.
/// Owned by one task.
/// </summary>
internal sealed class TopicInput<T>(
    IPartitionCursor cursor,
    int group,
    long endOffset,
    Func<Record, T> decode,
    WatermarkStrategy<T> strategy,
    UpstreamWatermarks? upstream = null) : TaskInput(cursor, group), ICheckpointed
{
    private readonly Queue<StreamItem<T>> _queue = new();
    private readonly Func<T, long>? _timestampOf = strategy.TimestampAssigner;
    private readonly WatermarkGenerator _generator = strategy.CreateGenerator();
    private readonly byte[] _stateKey = Encoding.UTF8.GetBytes($"input/{cursor.Topic}/{cursor.Partition}");

    // Bad records below this offset were dead-lettered before the restored checkpoint.
    private long _deadLetteredBefore = long.MinValue;

    // Upstream watermarks read behind events still queued: each applies once the events
    // before it are pushed (After = events enqueued before it), so the input's watermark
    // never passes an event that has not gone into the graph.
    private readonly Queue<(long After, int Task, long Watermark)> _pendingUpstream = new();
    private long _enqueued;
    private long _pushed;

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
        if (upstream is not null && record.HeaderCount > 0 && WatermarkRecord(record) is { } marker)
        {
            var (task, watermark) = UpstreamWatermarks.Decode(marker);
            if (_pushed == _enqueued)
            {
                upstream.Update(task, watermark);
            }
            else
            {
                _pendingUpstream.Enqueue((_enqueued, task, watermark));
            }
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
            if (record.Offset >= _deadLetteredBefore)
            {
                services.OnBadRecord(origin, record.Key, record.Value, record.Timestamp, e);
            }
            return;
        }
        _queue.Enqueue(StreamItem<T>.Event(value, timestamp, origin, record.HeaderCount > 0 ? record.GetHeaders() : null));
        _enqueued++;
    });

    public override void PushHead()
    {
        var item = _queue.Dequeue();
        _generator.OnEvent(item.Timestamp);
        Source.OnNext(item);
        _pushed++;
        while (_pendingUpstream.TryPeek(out var pending) && pending.After <= _pushed)
        {
            _pendingUpstream.Dequeue();
            upstream!.Update(pending.Task, pending.Watermark);
        }
    }

    public override void PushPunctuation(StreamItemKind kind, long timestamp) => Source.OnNext(kind switch
    {
        StreamItemKind.Watermark => StreamItem<T>.Watermark(timestamp),
        StreamItemKind.Barrier => StreamItem<T>.Barrier(timestamp),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a punctuation"),
    });

    public override void Complete() => Source.OnCompleted();

    public string StoreName => TaskState.TaskStore;

    public string Signature => $"input {Cursor.Topic}/{Cursor.Partition} of {typeof(T).FullName}";

    public void WriteCheckpoint(TaskStateDb state)
    {
        var value = new StateWriter();
        value.Write(_queue.Count > 0 ? _queue.Peek().Origin.Offset : Cursor.Position);
        value.Write(Cursor.Position);
        value.Write(_generator.MaxTimestamp);
        foreach (long watermark in upstream?.Watermarks ?? [])
        {
            value.Write(watermark);
        }
        state.Put(StoreName, _stateKey, value.WrittenSpan);
    }

    public void Restore(TaskStateDb state)
    {
        if (state.Get(StoreName, _stateKey) is not { } bytes)
        {
            return;
        }
        var value = new StateReader(bytes);
        Cursor.Seek(value.ReadInt64());
        _deadLetteredBefore = value.ReadInt64();
        _generator.MaxTimestamp = value.ReadInt64();
        for (int i = 0; upstream is not null && i < upstream.Watermarks.Length; i++)
        {
            upstream.Watermarks[i] = value.ReadInt64();
        }
    }

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
