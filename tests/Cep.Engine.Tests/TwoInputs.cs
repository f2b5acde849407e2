using System.Reactive.Subjects;
using Cep.Engine;

namespace Cep.Engine.Tests;

/// <summary>Drives a two-input graph (built on two subjects) step by step and records what comes out.</summary>
internal sealed class TwoInputs<TLeft, TRight, TOut> : IDisposable
{
    private readonly Subject<StreamItem<TLeft>> _left = new();
    private readonly Subject<StreamItem<TRight>> _right = new();
    private readonly IDisposable _subscription;
    private int _drained;

    public TwoInputs(Func<Stream<TLeft>, Stream<TRight>, IObservable<StreamItem<TOut>>> build)
    {
        _subscription = build(Streams.FromItems(_left), Streams.FromItems(_right))
            .Subscribe(Output.Add, e => Error = e, () => Completed = true);
    }

    public List<StreamItem<TOut>> Output { get; } = [];

    public Exception? Error { get; private set; }

    public bool Completed { get; private set; }

    public void Left(TLeft value, long timestamp, EventOrigin origin = default) => _left.OnNext(StreamItem<TLeft>.Event(value, timestamp, origin));

    public void Right(TRight value, long timestamp, EventOrigin origin = default) => _right.OnNext(StreamItem<TRight>.Event(value, timestamp, origin));

    public void LeftWatermark(long watermark) => _left.OnNext(StreamItem<TLeft>.Watermark(watermark));

    public void RightWatermark(long watermark) => _right.OnNext(StreamItem<TRight>.Watermark(watermark));

    /// <summary>The same watermark on both inputs (a task-wide watermark).</summary>
    public void Watermark(long watermark)
    {
        LeftWatermark(watermark);
        RightWatermark(watermark);
    }

    public void Barrier(long checkpointId)
    {
        _left.OnNext(StreamItem<TLeft>.Barrier(checkpointId));
        _right.OnNext(StreamItem<TRight>.Barrier(checkpointId));
    }

    public void CompleteLeft() => _left.OnCompleted();

    public void CompleteRight() => _right.OnCompleted();

    public void Complete()
    {
        CompleteLeft();
        CompleteRight();
    }

    /// <summary>Everything output since the last drain (events as "value@time", punctuations spelled out).</summary>
    public List<string> Drain()
    {
        var items = Output.Skip(_drained).Select(i => i.ToString()).ToList();
        _drained = Output.Count;
        return items;
    }

    /// <summary>The event values output since the last drain.</summary>
    public List<TOut> DrainEvents()
    {
        var events = Output.Skip(_drained).Where(i => i.IsEvent).Select(i => i.Value).ToList();
        _drained = Output.Count;
        return events;
    }

    public void Dispose() => _subscription.Dispose();
}
