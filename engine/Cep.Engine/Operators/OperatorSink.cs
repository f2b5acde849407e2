namespace Cep.Engine.Operators;

/// <summary>
/// The per-subscription half of an operator, after Rx.NET's internal Sink: it holds the
/// downstream observer and all per-subscription state, while the operator object holds only
/// settings. Dispose is idempotent: it swaps the downstream for a no-op observer
/// (Interlocked), so a late OnNext after disposal goes nowhere, then unsubscribes upstream.
/// Owned by one task thread (the graph is single-threaded).
/// </summary>
internal abstract class OperatorSink<TIn, TOut> : IObserver<StreamItem<TIn>>, IDisposable
{
    private readonly Runtime.DeadLetterOutput? _deadLetters = Runtime.QueryContext.CurrentDeadLetters;
    private IObserver<StreamItem<TOut>> _downstream;
    private IDisposable? _upstream;

    protected OperatorSink(IObserver<StreamItem<TOut>> downstream)
    {
        _downstream = downstream;
    }

    /// <summary>Subscribes to <paramref name="source"/>; returns this sink as the subscription.</summary>
    public IDisposable Run(IObservable<StreamItem<TIn>> source)
    {
        _upstream = source.Subscribe(this);
        return this;
    }

    public abstract void OnNext(StreamItem<TIn> item);

    public virtual void OnError(Exception error) => ForwardOnError(error);

    public virtual void OnCompleted() => ForwardOnCompleted();

    public virtual void Dispose()
    {
        Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<TOut>>.Instance);
        Interlocked.Exchange(ref _upstream, null)?.Dispose();
    }

    protected void ForwardOnNext(StreamItem<TOut> item) => _downstream.OnNext(item);

    /// <summary>Passes a watermark or barrier on unchanged.</summary>
    protected void ForwardPunctuation(in StreamItem<TIn> item) => _downstream.OnNext(item.AsPunctuation<TOut>());

    protected void ForwardOnError(Exception error)
    {
        var downstream = Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<TOut>>.Instance);
        downstream.OnError(error);
        Dispose();
    }

    protected void ForwardOnCompleted()
    {
        var downstream = Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<TOut>>.Instance);
        downstream.OnCompleted();
        Dispose();
    }

    /// <summary>
    /// User code threw on <paramref name="item"/>: under the query's dead-letter policy the event
    /// is skipped and the failure (operator, error, origin) goes to the dead-letter topic;
    /// otherwise the pipeline stops with it. Callers return after this either way.
    /// </summary>
    protected void Fail(string operatorName, in StreamItem<TIn> item, Exception error)
    {
        var failure = new OperatorException(operatorName, item.Origin, error);
        if (_deadLetters is not null)
        {
            _deadLetters.Add(item.Origin, null, null, item.Timestamp, failure);
            return;
        }
        ForwardOnError(failure);
    }
}
