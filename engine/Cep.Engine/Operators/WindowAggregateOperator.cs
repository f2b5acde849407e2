using Cep.Engine.Aggregates;
using Cep.Engine.State;
using Cep.Engine.Windows;

namespace Cep.Engine.Operators;

/// <summary>
/// Aggregates a keyed stream per time window. Each event updates every window it falls in
/// that is still open; an event whose windows are all closed is late and goes to the late
/// side output with the reason (one that is late only for some hopping windows updates the
/// open ones and is reported for the closed ones). On a watermark, windows whose end − 1 +
/// grace it reaches are closed: in <see cref="EmitMode.Final"/> their results are emitted,
/// oldest window first and keys in first-seen order, with event time end − 1; then the
/// watermark passes on. When the input completes (a bounded stream), every window closes.
/// Generic over the aggregator type so that struct aggregators are inlined.
/// </summary>
internal sealed class WindowAggregateOperator<TKey, TIn, TAcc, TOut, TAgg>(
    IObservable<StreamItem<Keyed<TKey, TIn>>> source,
    TimeWindows windows,
    TAgg aggregator,
    Func<IWindowStore<TKey, TAcc>> storeFactory,
    IObserver<StreamItem<LateEvent<TIn>>> lateOutput) : IObservable<StreamItem<WindowResult<TKey, TOut>>>
    where TKey : notnull
    where TAgg : IAggregator<TIn, TAcc, TOut>
{
    public IDisposable Subscribe(IObserver<StreamItem<WindowResult<TKey, TOut>>> observer) =>
        new Sink(windows, aggregator, storeFactory(), lateOutput, observer).Run(source);

    private sealed class Sink(
        TimeWindows windows,
        TAgg aggregator,
        IWindowStore<TKey, TAcc> store,
        IObserver<StreamItem<LateEvent<TIn>>> lateOutput,
        IObserver<StreamItem<WindowResult<TKey, TOut>>> downstream)
        : OperatorSink<Keyed<TKey, TIn>, WindowResult<TKey, TOut>>(downstream)
    {
        private long _watermark = long.MinValue;

        public override void OnNext(StreamItem<Keyed<TKey, TIn>> item)
        {
            switch (item.Kind)
            {
                case StreamItemKind.Event:
                    OnEvent(item);
                    break;
                case StreamItemKind.Watermark:
                    if (item.Timestamp > _watermark)
                    {
                        _watermark = item.Timestamp;
                        CloseWindows(_watermark);
                    }
                    ForwardPunctuation(item);
                    lateOutput.OnNext(item.AsPunctuation<LateEvent<TIn>>());
                    break;
                case StreamItemKind.Barrier:
                    ForwardPunctuation(item);
                    lateOutput.OnNext(item.AsPunctuation<LateEvent<TIn>>());
                    break;
                default:
                    throw new InvalidOperationException($"unknown item kind {item.Kind}");
            }
        }

        public override void OnCompleted()
        {
            CloseWindows(long.MaxValue);
            lateOutput.OnCompleted();
            base.OnCompleted();
        }

        private void OnEvent(in StreamItem<Keyed<TKey, TIn>> item)
        {
            long timestamp = item.Timestamp;
            var key = item.Value.Key;
            long closedStart = long.MinValue;
            for (long start = windows.LastStart(timestamp); start > timestamp - windows.SizeMs; start -= windows.AdvanceMs)
            {
                if (windows.IsClosed(start, _watermark))
                {
                    closedStart = Math.Max(closedStart, start);
                    continue;
                }
                ref var accumulator = ref store.GetOrAdd(start, key, out bool added);
                try
                {
                    if (added)
                    {
                        accumulator = aggregator.Create();
                    }
                    aggregator.Add(ref accumulator, item.Value.Value);
                }
                catch (Exception e)
                {
                    Fail("Aggregate", item, e);
                    return;
                }
                if (windows.Emit == EmitMode.EveryUpdate)
                {
                    Emit(key, start, accumulator);
                }
            }
            if (closedStart != long.MinValue)
            {
                var window = new Window(closedStart, closedStart + windows.SizeMs);
                string reason = $"window {window} closed: watermark {_watermark} passed its end + grace ({windows.GraceMs} ms)";
                lateOutput.OnNext(StreamItem<LateEvent<TIn>>.Event(new LateEvent<TIn>(item.Value.Value, timestamp, item.Origin, reason), timestamp, item.Origin));
            }
        }

        private void CloseWindows(long watermark)
        {
            while (store.TryGetOldestWindow(out long start) && (watermark == long.MaxValue || windows.IsClosed(start, watermark)))
            {
                if (windows.Emit == EmitMode.Final)
                {
                    foreach (var (key, accumulator) in store.Entries(start))
                    {
                        Emit(key, start, accumulator);
                    }
                }
                store.RemoveWindow(start);
            }
        }

        private void Emit(TKey key, long start, TAcc accumulator)
        {
            var window = new Window(start, start + windows.SizeMs);
            ForwardOnNext(StreamItem<WindowResult<TKey, TOut>>.Event(new WindowResult<TKey, TOut>(key, window, aggregator.Result(accumulator)), window.MaxTimestamp));
        }
    }
}
