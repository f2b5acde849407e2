using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Cep.Engine.Aggregates;
using Cep.Engine.State;
using Cep.Engine.Windows;

namespace Cep.Engine.Operators;

/// <summary>
/// Aggregates a keyed stream per sliding window (see <see cref="SlidingWindows"/> for which
/// windows exist). Invariant: the store holds exactly the open windows of that set for the
/// events seen so far, each with the aggregate of all its events. An event at t keeps it: it is
/// added to the existing windows that hold it, and the windows it brings into the set are built
/// from the buffered events: its own [t − d, t], the window [s + 1, s + d + 1] of each earlier
/// event s that it is the first to fall after, and its own [t + 1, t + d + 1] if an event after
/// it arrived first. Windows have fixed size d + 1 and are stored by start, so they close as
/// time windows do (oldest start first, keys in first-added order). Events are buffered per key
/// until no window that could still be built holds them (t + d + 1 + grace ≤ watermark). Cost
/// per event: O(events within d of it), as in Kafka Streams.
/// </summary>
internal sealed class SlidingWindowOperator<TKey, TIn, TAcc, TOut, TAgg>(
    IObservable<StreamItem<TIn>> source,
    Func<TIn, TKey> keySelector,
    SlidingWindows windows,
    TAgg aggregator,
    Func<IWindowStore<TKey, TAcc>> storeFactory,
    Func<IKeyValueStore<TKey, List<StreamItem<TIn>>>> eventStoreFactory,
    IObserver<StreamItem<LateEvent<TIn>>> lateOutput) : IObservable<StreamItem<WindowResult<TKey, TOut>>>
    where TKey : notnull
    where TAgg : IEventTimeAggregator<TIn, TAcc, TOut>
{
    public IDisposable Subscribe(IObserver<StreamItem<WindowResult<TKey, TOut>>> observer) =>
        new Sink(keySelector, windows, aggregator, storeFactory(), new KeyedEventBuffer<TKey, TIn>(eventStoreFactory()), lateOutput, observer).Run(source);

    private sealed class Sink(
        Func<TIn, TKey> keySelector,
        SlidingWindows windows,
        TAgg aggregator,
        IWindowStore<TKey, TAcc> store,
        KeyedEventBuffer<TKey, TIn> buffer,
        IObserver<StreamItem<LateEvent<TIn>>> lateOutput,
        IObserver<StreamItem<WindowResult<TKey, TOut>>> downstream)
        : WindowSink<TKey, TIn, TAcc, TOut, TAgg>(keySelector, aggregator, lateOutput, downstream)
    {
        private readonly long _difference = windows.TimeDifferenceMs;

        // Starts of the windows holding the current event (reused, so an event does not allocate).
        private readonly List<long> _starts = [];

        /// <summary>Windows whose inclusive end is at or before this are closed at the current watermark.</summary>
        private long ClosedThrough => Watermark == long.MinValue ? long.MinValue : TimeMath.Subtract(Watermark, windows.GraceMs);

        protected override void OnEvent(TKey key, in StreamItem<TIn> item)
        {
            long t = item.Timestamp;
            long closedThrough = ClosedThrough;
            if (TimeMath.Add(t, _difference) <= closedThrough)
            {
                ReportLate(item, $"every window holding it closed: watermark {Watermark} passed the last one's end {new Window(t, TimeMath.Add(t, _difference + 1))} + grace ({windows.GraceMs} ms)");
                return;
            }
            var events = buffer.Insert(key, item);
            CollectStartsHolding(events, t);
            foreach (long start in _starts)
            {
                if (start + _difference <= closedThrough)
                {
                    continue; // closed; reported below
                }
                ref var accumulator = ref store.Find(start, key);
                bool ok = Unsafe.IsNullRef(ref accumulator)
                    ? Create(key, start, events)
                    : TryAdd(ref accumulator, create: false, item) && EmitUpdate(key, start, accumulator);
                if (!ok)
                {
                    return;
                }
            }
            // Its own right window holds only later events: it exists once one of them arrived.
            long rightStart = TimeMath.Add(t, 1);
            if (Unsafe.IsNullRef(ref store.Find(rightStart, key))
                && KeyedEventBuffer<TKey, TIn>.UpperBound(events, t) < KeyedEventBuffer<TKey, TIn>.UpperBound(events, TimeMath.Add(rightStart, _difference))
                && !Create(key, rightStart, events))
            {
                return;
            }
            if (t <= closedThrough)
            {
                ReportLate(item, $"window {new Window(TimeMath.Subtract(t, _difference), t + 1)} closed: watermark {Watermark} passed its end + grace ({windows.GraceMs} ms); later windows holding it were updated");
            }
        }

        protected override void CloseWindows(long watermark)
        {
            CloseFixedSizeWindows(store, _difference + 1, windows.GraceMs, windows.Emit, watermark);
            // An event at s is needed while a window holding it can still be built: the last one, [s + 1, s + d + 1], is s's own right window.
            buffer.Prune(watermark == long.MaxValue ? long.MaxValue : TimeMath.Subtract(ClosedThrough, _difference + 1));
        }

        /// <summary>
        /// Fills <see cref="_starts"/> with the starts of the windows of the set that hold t, in
        /// order and without repeats: [u − d, u] for each event u in [t, t + d] (t itself included)
        /// and [s + 1, s + d + 1] for each event s in [t − d − 1, t).
        /// </summary>
        private void CollectStartsHolding(List<StreamItem<TIn>> events, long t)
        {
            _starts.Clear();
            var span = CollectionsMarshal.AsSpan(events);
            int from = KeyedEventBuffer<TKey, TIn>.LowerBound(events, TimeMath.Subtract(t, _difference + 1));
            long previous = long.MinValue;
            for (int i = from; i < span.Length && span[i].Timestamp <= TimeMath.Add(t, _difference); i++)
            {
                long u = span[i].Timestamp;
                if (i > from && u == previous)
                {
                    continue;
                }
                previous = u;
                _starts.Add(u < t ? u + 1 : u - _difference);
            }
            // Right windows of earlier events and left windows of later ones can share a start.
            _starts.Sort();
            int kept = 0;
            for (int i = 0; i < _starts.Count; i++)
            {
                if (kept == 0 || _starts[i] != _starts[kept - 1])
                {
                    _starts[kept++] = _starts[i];
                }
            }
            _starts.RemoveRange(kept, _starts.Count - kept);
        }

        /// <summary>Builds the window starting at <paramref name="start"/> from the buffered events in it; false when the aggregator threw.</summary>
        private bool Create(TKey key, long start, List<StreamItem<TIn>> events)
        {
            int from = KeyedEventBuffer<TKey, TIn>.LowerBound(events, start);
            int to = KeyedEventBuffer<TKey, TIn>.UpperBound(events, TimeMath.Add(start, _difference));
            if (!TryAggregate(CollectionsMarshal.AsSpan(events)[from..to], out var accumulator))
            {
                return false;
            }
            store.GetOrAdd(start, key, out _) = accumulator;
            return EmitUpdate(key, start, accumulator);
        }

        private bool EmitUpdate(TKey key, long start, TAcc accumulator)
        {
            if (windows.Emit != EmitMode.EveryUpdate)
            {
                return true;
            }
            var window = new Window(start, start + _difference + 1);
            return Emit(key, window, accumulator, window.MaxTimestamp);
        }
    }
}
