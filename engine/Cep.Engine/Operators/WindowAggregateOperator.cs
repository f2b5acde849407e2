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
/// Keys are computed here from the key selector (KeyBy fused into the window, as Rx fuses
/// chained Wheres), and the operator is generic over the aggregator type so that struct
/// aggregators are inlined: the hot path is one key call, one store lookup and one add.
/// </summary>
internal sealed class WindowAggregateOperator<TKey, TIn, TAcc, TOut, TAgg>(
    IObservable<StreamItem<TIn>> source,
    Func<TIn, TKey> keySelector,
    TimeWindows windows,
    TAgg aggregator,
    Func<IWindowStore<TKey, TAcc>> storeFactory,
    IObserver<StreamItem<LateEvent<TIn>>> lateOutput) : IObservable<StreamItem<WindowResult<TKey, TOut>>>
    where TKey : notnull
    where TAgg : IEventTimeAggregator<TIn, TAcc, TOut>
{
    public IDisposable Subscribe(IObserver<StreamItem<WindowResult<TKey, TOut>>> observer) =>
        new Sink(keySelector, windows, aggregator, storeFactory(), lateOutput, observer).Run(source);

    private sealed class Sink(
        Func<TIn, TKey> keySelector,
        TimeWindows windows,
        TAgg aggregator,
        IWindowStore<TKey, TAcc> store,
        IObserver<StreamItem<LateEvent<TIn>>> lateOutput,
        IObserver<StreamItem<WindowResult<TKey, TOut>>> downstream)
        : WindowSink<TKey, TIn, TAcc, TOut, TAgg>(keySelector, aggregator, lateOutput, downstream)
    {
        private readonly bool _tumbling = windows.AdvanceMs == windows.SizeMs;

        // The window of the last event: consecutive events mostly share it, which saves the division.
        private long _cachedStart = long.MaxValue;
        private long _cachedEnd = long.MinValue;

        protected override void OnEvent(TKey key, in StreamItem<TIn> item)
        {
            long timestamp = item.Timestamp;
            long lastStart;
            if (timestamp >= _cachedStart && timestamp < _cachedEnd)
            {
                lastStart = _cachedStart;
            }
            else
            {
                lastStart = windows.LastStart(timestamp);
                _cachedStart = lastStart;
                _cachedEnd = lastStart + windows.AdvanceMs;
            }
            if (_tumbling)
            {
                if (!windows.IsClosed(lastStart, Watermark))
                {
                    AddTo(lastStart, key, item);
                    return;
                }
                ReportLate(item, lastStart);
                return;
            }
            long closedStart = long.MinValue;
            for (long start = lastStart; start > timestamp - windows.SizeMs; start -= windows.AdvanceMs)
            {
                if (windows.IsClosed(start, Watermark))
                {
                    closedStart = Math.Max(closedStart, start);
                }
                else if (!AddTo(start, key, item))
                {
                    return;
                }
            }
            if (closedStart != long.MinValue)
            {
                ReportLate(item, closedStart);
            }
        }

        protected override void CloseWindows(long watermark) =>
            CloseFixedSizeWindows(store, windows.SizeMs, windows.GraceMs, windows.Emit, watermark);

        /// <summary>Adds the event to one window's accumulator; false when the aggregator threw (the sink has failed).</summary>
        private bool AddTo(long start, TKey key, in StreamItem<TIn> item)
        {
            ref var accumulator = ref store.GetOrAdd(start, key, out bool added);
            if (!TryAdd(ref accumulator, added, item))
            {
                return false;
            }
            if (windows.Emit == EmitMode.EveryUpdate)
            {
                var window = new Window(start, start + windows.SizeMs);
                return Emit(key, window, accumulator, window.MaxTimestamp);
            }
            return true;
        }

        private void ReportLate(in StreamItem<TIn> item, long closedStart) =>
            ReportLate(item, $"window {new Window(closedStart, closedStart + windows.SizeMs)} closed: watermark {Watermark} passed its end + grace ({windows.GraceMs} ms)");
    }
}
