namespace Cep.Engine.Operators;

/// <summary>
/// The per-subscription half of an operator with two inputs of different types (the joins),
/// after <see cref="OperatorSink{TIn, TOut}"/>. Events go to <see cref="OnLeft"/> and
/// <see cref="OnRight"/> in arrival order; punctuations are combined by a
/// <see cref="MultiInputClock"/>: <see cref="OnWatermark"/> runs when min(left, right) rises
/// (a completed input no longer holds it back), <see cref="OnBarrier"/> once both inputs have
/// sent a barrier, <see cref="OnCompleted"/> once both have completed. An error on either
/// input stops the sink. Dispose is idempotent: the downstream becomes a no-op observer
/// (Interlocked), then both inputs are unsubscribed. Owned by one task thread.
/// </summary>
internal abstract class BinaryOperatorSink<TLeft, TRight, TOut> : IDisposable
{
    private const int LeftInput = 0;
    private const int RightInput = 1;

    private readonly MultiInputClock _clock = new(2);
    private readonly Runtime.DeadLetterOutput? _deadLetters = Runtime.QueryContext.CurrentDeadLetters;
    private IObserver<StreamItem<TOut>> _downstream;
    private IDisposable? _leftSubscription;
    private IDisposable? _rightSubscription;
    private bool _disposed;

    protected BinaryOperatorSink(IObserver<StreamItem<TOut>> downstream)
    {
        _downstream = downstream;
    }

    /// <summary>False once the sink has completed, failed or been disposed: loops over state stop.</summary>
    protected bool IsRunning => !_disposed;

    /// <summary>Subscribes to both inputs (left first); returns this sink as the subscription.</summary>
    public IDisposable Run(IObservable<StreamItem<TLeft>> left, IObservable<StreamItem<TRight>> right)
    {
        // A cold input may run to completion (or fail) inside Subscribe, so each subscription is
        // checked against a dispose that already happened.
        var leftSubscription = left.Subscribe(new LeftObserver(this));
        if (Volatile.Read(ref _disposed))
        {
            leftSubscription.Dispose();
            return this;
        }
        _leftSubscription = leftSubscription;
        var rightSubscription = right.Subscribe(new RightObserver(this));
        if (Volatile.Read(ref _disposed))
        {
            rightSubscription.Dispose();
            return this;
        }
        _rightSubscription = rightSubscription;
        return this;
    }

    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<TOut>>.Instance);
        Interlocked.Exchange(ref _leftSubscription, null)?.Dispose();
        Interlocked.Exchange(ref _rightSubscription, null)?.Dispose();
    }

    /// <summary>An event on the left input.</summary>
    protected abstract void OnLeft(in StreamItem<TLeft> item);

    /// <summary>An event on the right input.</summary>
    protected abstract void OnRight(in StreamItem<TRight> item);

    /// <summary>The combined watermark rose to <paramref name="watermark"/>; by default it passes on.</summary>
    protected virtual void OnWatermark(long watermark) => ForwardOnNext(StreamItem<TOut>.Watermark(watermark));

    /// <summary>Both inputs have sent barrier <paramref name="checkpointId"/>; by default it passes on.</summary>
    protected virtual void OnBarrier(long checkpointId) => ForwardOnNext(StreamItem<TOut>.Barrier(checkpointId));

    /// <summary>Both inputs have completed; overrides flush their state, then call this.</summary>
    protected virtual void OnCompleted() => ForwardOnCompleted();

    protected void ForwardOnNext(StreamItem<TOut> item) => _downstream.OnNext(item);

    protected void ForwardOnError(Exception error)
    {
        var downstream = Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<TOut>>.Instance);
        Dispose();
        downstream.OnError(error);
    }

    protected void ForwardOnCompleted()
    {
        var downstream = Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<TOut>>.Instance);
        Dispose();
        downstream.OnCompleted();
    }

    /// <summary>
    /// User code threw: under the query's dead-letter policy the event is skipped and the
    /// failure goes to the dead-letter topic; otherwise the pipeline stops with it.
    /// </summary>
    protected void Fail(string operatorName, EventOrigin origin, Exception error)
    {
        var failure = new OperatorException(operatorName, origin, error);
        if (_deadLetters is not null)
        {
            _deadLetters.Add(origin, null, null, 0, failure);
            return;
        }
        ForwardOnError(failure);
    }

    private void OnPunctuation(int input, StreamItemKind kind, long timestamp)
    {
        switch (kind)
        {
            case StreamItemKind.Watermark:
                if (_clock.OnWatermark(input, timestamp))
                {
                    OnWatermark(_clock.Watermark);
                }
                break;
            case StreamItemKind.Barrier:
                if (_clock.OnBarrier(timestamp))
                {
                    OnBarrier(timestamp);
                }
                break;
            default:
                throw new InvalidOperationException($"unknown item kind {kind}");
        }
    }

    private void OnInputCompleted(int input)
    {
        if (_disposed)
        {
            return;
        }
        if (_clock.OnCompleted(input))
        {
            OnWatermark(_clock.Watermark);
        }
        if (_clock.AllCompleted && !_disposed)
        {
            OnCompleted();
        }
    }

    // Two small observers rather than the sink implementing IObserver twice: the two interfaces
    // would unify when TLeft == TRight, which C# rejects.
    private sealed class LeftObserver(BinaryOperatorSink<TLeft, TRight, TOut> sink) : IObserver<StreamItem<TLeft>>
    {
        public void OnNext(StreamItem<TLeft> value)
        {
            if (value.IsEvent)
            {
                sink.OnLeft(value);
            }
            else
            {
                sink.OnPunctuation(LeftInput, value.Kind, value.Timestamp);
            }
        }

        public void OnError(Exception error) => sink.ForwardOnError(error);

        public void OnCompleted() => sink.OnInputCompleted(LeftInput);
    }

    private sealed class RightObserver(BinaryOperatorSink<TLeft, TRight, TOut> sink) : IObserver<StreamItem<TRight>>
    {
        public void OnNext(StreamItem<TRight> value)
        {
            if (value.IsEvent)
            {
                sink.OnRight(value);
            }
            else
            {
                sink.OnPunctuation(RightInput, value.Kind, value.Timestamp);
            }
        }

        public void OnError(Exception error) => sink.ForwardOnError(error);

        public void OnCompleted() => sink.OnInputCompleted(RightInput);
    }
}
