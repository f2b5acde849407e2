using Cep.Engine.Aggregates;
using Cep.Engine.Serdes;
using Cep.Engine.State;
using Cep.Engine.Windows;

namespace Cep.Engine.Operators;

/// <summary>
/// Aggregates a keyed stream per count window (see <see cref="CountWindows"/>). Tumbling
/// windows aggregate as events come and keep nothing between windows; sliding ones keep each
/// key's last Size events in a ring and aggregate them afresh at each result (Size / Advance
/// adds per event), since an aggregate cannot in general take an event out. A key's sliding
/// ring is kept for as long as the operator runs: "the last N events" has no end.
/// <para>
/// Checkpoints: panes and rings live in key-value stores (persistent when the task
/// checkpoints), so only keys changed since the last checkpoint are written. The arrival
/// numbers that order the short windows at the end of the input are restored with them; the
/// counter resumes after the greatest restored one, so new windows still come after old ones
/// (only that order matters).
/// </para>
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
    public IDisposable Subscribe(IObserver<StreamItem<WindowResult<TKey, TOut>>> observer) =>
        windows.Advance == windows.Size
            ? new TumblingSink(keySelector, windows.Size, aggregator, lateOutput, observer).Run(source)
            : new SlidingSink(keySelector, windows, aggregator, lateOutput, observer).Run(source);

    /// <summary>The window of events from <paramref name="minTime"/> to <paramref name="maxTime"/>.</summary>
    private static Window Span(long minTime, long maxTime) => new(minTime, TimeMath.Add(maxTime, 1));

    /// <summary>
    /// What both count sinks share: the per-key state (<typeparamref name="TState"/>) in a
    /// key-value store, and the arrival counter that orders the short windows at the end of the
    /// input, resumed after a restore past the greatest arrival the restored state holds.
    /// </summary>
    private abstract class CountSink<TState> : WindowSink<TKey, TIn, TAcc, TOut, TAgg>
    {
        private long _arrivals;

        protected CountSink(
            string kind,
            Action<StateWriter, TState> write,
            Func<StateReader, TState> read,
            Func<TState, long> arrivalOf,
            Func<TIn, TKey> keySelector,
            TAgg aggregator,
            IObserver<StreamItem<LateEvent<TIn>>> lateOutput,
            IObserver<StreamItem<WindowResult<TKey, TOut>>> downstream)
            : base(keySelector, aggregator, lateOutput, downstream)
        {
            States = Runtime.QueryContext.KeyValueStore<TKey, TState>(kind, write, read, restored: () => ResumeArrivals(arrivalOf));
        }

        protected IKeyValueStore<TKey, TState> States { get; }

        /// <summary>The arrival number of the event now arriving.</summary>
        protected long NextArrival() => _arrivals++;

        private void ResumeArrivals(Func<TState, long> arrivalOf) =>
            _arrivals = States.Entries.Select(e => arrivalOf(e.Value) + 1).DefaultIfEmpty().Max();
    }

    private sealed class TumblingSink(
        Func<TIn, TKey> keySelector,
        int size,
        TAgg aggregator,
        IObserver<StreamItem<LateEvent<TIn>>> lateOutput,
        IObserver<StreamItem<WindowResult<TKey, TOut>>> downstream)
        : CountSink<TumblingSink.Pane>("count-panes", Pane.Write, Pane.Read, static p => p.FirstArrival, keySelector, aggregator, lateOutput, downstream)
    {
        private IKeyValueStore<TKey, Pane> Panes => States;

        protected override void OnEvent(TKey key, in StreamItem<TIn> item)
        {
            long ordinal = NextArrival();
            ref var pane = ref Panes.GetOrAdd(key, out bool added);
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
                Panes.Remove(key);
                Emit(key, window, accumulator, item.Timestamp);
            }
        }

        protected override void CloseWindows(long watermark)
        {
            if (watermark != long.MaxValue || Panes.Count == 0)
            {
                return;
            }
            // The end of the input: short windows, in the order their first events arrived.
            var rest = Panes.Entries.ToList();
            rest.Sort(static (a, b) => a.Value.FirstArrival.CompareTo(b.Value.FirstArrival));
            Panes.Clear();
            foreach (var (key, pane) in rest)
            {
                if (!Emit(key, Span(pane.MinTime, pane.MaxTime), pane.Accumulator, pane.LastTime))
                {
                    return;
                }
            }
        }

        /// <summary>A key's unfinished window.</summary>
        internal struct Pane
        {
            public TAcc Accumulator;
            public int Count;
            public long MinTime;
            public long MaxTime;
            public long LastTime;
            public long FirstArrival;

            public static void Write(StateWriter writer, Pane pane)
            {
                writer.Write(pane.Accumulator, StateSerde.For<TAcc>());
                writer.Write(pane.Count);
                writer.Write(pane.MinTime);
                writer.Write(pane.MaxTime);
                writer.Write(pane.LastTime);
                writer.Write(pane.FirstArrival);
            }

            public static Pane Read(StateReader reader) => new()
            {
                Accumulator = reader.Read(StateSerde.For<TAcc>()),
                Count = reader.ReadInt32(),
                MinTime = reader.ReadInt64(),
                MaxTime = reader.ReadInt64(),
                LastTime = reader.ReadInt64(),
                FirstArrival = reader.ReadInt64(),
            };
        }
    }

    private sealed class SlidingSink(
        Func<TIn, TKey> keySelector,
        CountWindows windows,
        TAgg aggregator,
        IObserver<StreamItem<LateEvent<TIn>>> lateOutput,
        IObserver<StreamItem<WindowResult<TKey, TOut>>> downstream)
        : CountSink<SlidingSink.Ring>("count-rings", Ring.Write, reader => Ring.Read(reader, windows.Size), static r => r.FirstPendingArrival, keySelector, aggregator, lateOutput, downstream)
    {
        private IKeyValueStore<TKey, Ring> Rings => States;

        protected override void OnEvent(TKey key, in StreamItem<TIn> item)
        {
            long ordinal = NextArrival();
            ref var slot = ref Rings.GetOrAdd(key, out bool added);
            if (added)
            {
                slot = new Ring(windows.Size);
            }
            var ring = slot;
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
            foreach (var entry in Rings.Entries)
            {
                if (entry.Value.Pending > 0)
                {
                    rest.Add(entry);
                }
            }
            rest.Sort(static (a, b) => a.Value.FirstPendingArrival.CompareTo(b.Value.FirstPendingArrival));
            foreach (var (key, ring) in rest)
            {
                Rings.GetOrAdd(key, out _); // its Pending is reset: changed
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
        internal sealed class Ring(int capacity)
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

            /// <summary>How a ring is checkpointed: counters, then its events oldest first.</summary>
            public static void Write(StateWriter writer, Ring ring)
            {
                writer.Write(ring.Pending);
                writer.Write(ring.FirstPendingArrival);
                writer.Write(ring.Count);
                for (int i = 0; i < ring.Count; i++)
                {
                    writer.WriteEvent(ring[i], StateSerde.For<TIn>());
                }
            }

            public static Ring Read(StateReader reader, int capacity)
            {
                var ring = new Ring(capacity);
                int pending = reader.ReadInt32();
                ring.FirstPendingArrival = reader.ReadInt64();
                int count = reader.ReadInt32();
                for (int i = 0; i < count; i++)
                {
                    ring.Push(reader.ReadEvent(StateSerde.For<TIn>()));
                }
                ring.Pending = pending;
                return ring;
            }
        }
    }
}
