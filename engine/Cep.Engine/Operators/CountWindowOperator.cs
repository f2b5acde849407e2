using Cep.Engine.Aggregates;
using Cep.Engine.State;
using Cep.Engine.Windows;

namespace Cep.Engine.Operators;

/// <summary>
/// Aggregates a keyed stream per count window (see <see cref="CountWindows"/>). Tumbling
/// windows aggregate as events come and keep nothing between windows; sliding ones keep each
/// key's last Size events in a ring and aggregate them afresh at each result (Size / Advance
/// adds per event), since an aggregate cannot in general take an event out. A key's sliding
/// ring is kept for as long as the operator runs: "the last N events" has no end.
/// </summary>
internal sealed class CountWindowOperator<TKey, TIn, TAcc, TOut, TAgg>(
    IObservable<StreamItem<TIn>> source,
    Func<TIn, TKey> keySelector,
    CountWindows windows,
    TAgg aggregator,
    IObserver<StreamItem<LateEvent<TIn>>> lateOutput) : IObservable<StreamItem<WindowResult<TKey, TOut>>>
    where TKey : notnull
    where TAgg : IEventTimeAggregator<TIn, TAcc, TOut>
{
    public IDisposable Subscribe(IObserver<StreamItem<WindowResult<TKey, TOut>>> observer)
    {
        Runtime.QueryContext.RequireNoCheckpoints("count window");
        return windows.Advance == windows.Size
            ? new TumblingSink(keySelector, windows.Size, aggregator, lateOutput, observer).Run(source)
            : new SlidingSink(keySelector, windows, aggregator, lateOutput, observer).Run(source);
    }

    /// <summary>The window of events from <paramref name="minTime"/> to <paramref name="maxTime"/>.</summary>
    private static Window Span(long minTime, long maxTime) => new(minTime, TimeMath.Add(maxTime, 1));

    private sealed class TumblingSink(
        Func<TIn, TKey> keySelector,
        int size,
        TAgg aggregator,
        IObserver<StreamItem<LateEvent<TIn>>> lateOutput,
        IObserver<StreamItem<WindowResult<TKey, TOut>>> downstream)
        : WindowSink<TKey, TIn, TAcc, TOut, TAgg>(keySelector, aggregator, lateOutput, downstream)
    {
        private readonly IKeyValueStore<TKey, Pane> _panes = new InMemoryKeyValueStore<TKey, Pane>();
        private long _arrivals;

        protected override void OnEvent(TKey key, in StreamItem<TIn> item)
        {
            long ordinal = _arrivals++;
            ref var pane = ref _panes.GetOrAdd(key, out bool added);
            if (added)
            {
                pane = new Pane { FirstArrival = ordinal, MinTime = long.MaxValue, MaxTime = long.MinValue };
            }
            if (!TryAdd(ref pane.Accumulator, create: added, item))
            {
                return;
            }
            pane.Count++;
            pane.MinTime = Math.Min(pane.MinTime, item.Timestamp);
            pane.MaxTime = Math.Max(pane.MaxTime, item.Timestamp);
            pane.LastTime = item.Timestamp;
            if (pane.Count == size)
            {
                var accumulator = pane.Accumulator;
                var window = Span(pane.MinTime, pane.MaxTime);
                _panes.Remove(key);
                Emit(key, window, accumulator, item.Timestamp);
            }
        }

        protected override void CloseWindows(long watermark)
        {
            if (watermark != long.MaxValue || _panes.Count == 0)
            {
                return;
            }
            // The end of the input: short windows, in the order their first events arrived.
            var rest = _panes.Entries.ToList();
            rest.Sort(static (a, b) => a.Value.FirstArrival.CompareTo(b.Value.FirstArrival));
            _panes.Clear();
            foreach (var (key, pane) in rest)
            {
                if (!Emit(key, Span(pane.MinTime, pane.MaxTime), pane.Accumulator, pane.LastTime))
                {
                    return;
                }
            }
        }

        /// <summary>A key's unfinished window.</summary>
        private struct Pane
        {
            public TAcc Accumulator;
            public int Count;
            public long MinTime;
            public long MaxTime;
            public long LastTime;
            public long FirstArrival;
        }
    }

    private sealed class SlidingSink(
        Func<TIn, TKey> keySelector,
        CountWindows windows,
        TAgg aggregator,
        IObserver<StreamItem<LateEvent<TIn>>> lateOutput,
        IObserver<StreamItem<WindowResult<TKey, TOut>>> downstream)
        : WindowSink<TKey, TIn, TAcc, TOut, TAgg>(keySelector, aggregator, lateOutput, downstream)
    {
        private readonly IKeyValueStore<TKey, Ring> _rings = new InMemoryKeyValueStore<TKey, Ring>();
        private long _arrivals;

        protected override void OnEvent(TKey key, in StreamItem<TIn> item)
        {
            long ordinal = _arrivals++;
            if (!_rings.TryGet(key, out var ring))
            {
                ring = new Ring(windows.Size);
                _rings.Set(key, ring);
            }
            if (ring.Pending == 0)
            {
                ring.FirstPendingArrival = ordinal;
            }
            ring.Push(item);
            if (ring.Pending == windows.Advance)
            {
                EmitWindow(key, ring);
            }
        }

        protected override void CloseWindows(long watermark)
        {
            if (watermark != long.MaxValue)
            {
                return;
            }
            // The end of the input: windows with events in no result yet, in the order those arrived.
            var rest = new List<KeyValuePair<TKey, Ring>>();
            foreach (var entry in _rings.Entries)
            {
                if (entry.Value.Pending > 0)
                {
                    rest.Add(entry);
                }
            }
            rest.Sort(static (a, b) => a.Value.FirstPendingArrival.CompareTo(b.Value.FirstPendingArrival));
            foreach (var (key, ring) in rest)
            {
                if (!EmitWindow(key, ring))
                {
                    return;
                }
            }
        }

        /// <summary>Aggregates the ring's events in arrival order and emits the result; false when the aggregator threw.</summary>
        private bool EmitWindow(TKey key, Ring ring)
        {
            ring.Pending = 0;
            TAcc accumulator = default!;
            long minTime = long.MaxValue, maxTime = long.MinValue;
            for (int i = 0; i < ring.Count; i++)
            {
                ref readonly var item = ref ring[i];
                if (!TryAdd(ref accumulator, create: i == 0, item))
                {
                    return false;
                }
                minTime = Math.Min(minTime, item.Timestamp);
                maxTime = Math.Max(maxTime, item.Timestamp);
            }
            return Emit(key, Span(minTime, maxTime), accumulator, ring[ring.Count - 1].Timestamp);
        }

        /// <summary>A key's last Size events, oldest first, and how many arrived since its last result.</summary>
        private sealed class Ring(int capacity)
        {
            private readonly StreamItem<TIn>[] _items = new StreamItem<TIn>[capacity];
            private int _head;

            public int Count { get; private set; }

            public int Pending { get; set; }

            public long FirstPendingArrival { get; set; }

            /// <summary>The i-th oldest event held.</summary>
            public ref readonly StreamItem<TIn> this[int i] => ref _items[(_head + i) % _items.Length];

            public void Push(in StreamItem<TIn> item)
            {
                if (Count < _items.Length)
                {
                    _items[(_head + Count++) % _items.Length] = item;
                }
                else
                {
                    _items[_head] = item;
                    _head = (_head + 1) % _items.Length;
                }
                Pending++;
            }
        }
    }
}
