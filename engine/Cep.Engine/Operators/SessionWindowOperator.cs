using Cep.Engine.Aggregates;
using Cep.Engine.State;
using Cep.Engine.Windows;

namespace Cep.Engine.Operators;

/// <summary>
/// Aggregates a keyed stream per session (see <see cref="SessionWindows"/> for the rules). An
/// event finds the key's open sessions within one gap of it; none: it starts a session; one or
/// more: they merge, oldest first, into the earliest (keeping its id), and the event is added.
/// On a watermark, sessions whose last event + gap + grace it reaches close; in
/// <see cref="EmitMode.Final"/> their results go out ordered by (last event time, session id),
/// which is the same order however the watermarks are spread, since a session closed by an
/// earlier watermark always ended before any closed by a later one.
/// </summary>
internal sealed class SessionWindowOperator<TKey, TIn, TAcc, TOut, TAgg>(
    IObservable<StreamItem<TIn>> source,
    Func<TIn, TKey> keySelector,
    SessionWindows windows,
    TAgg aggregator,
    Func<ISessionStore<TKey, TAcc>> storeFactory,
    IObserver<StreamItem<LateEvent<TIn>>> lateOutput) : IObservable<StreamItem<WindowResult<TKey, TOut>>>
    where TKey : notnull
    where TAgg : IEventTimeAggregator<TIn, TAcc, TOut>
{
    public IDisposable Subscribe(IObserver<StreamItem<WindowResult<TKey, TOut>>> observer) =>
        new Sink(keySelector, windows, aggregator, storeFactory(), lateOutput, observer).Run(source);

    private sealed class Sink(
        Func<TIn, TKey> keySelector,
        SessionWindows windows,
        TAgg aggregator,
        ISessionStore<TKey, TAcc> store,
        IObserver<StreamItem<LateEvent<TIn>>> lateOutput,
        IObserver<StreamItem<WindowResult<TKey, TOut>>> downstream)
        : WindowSink<TKey, TIn, TAcc, TOut, TAgg>(keySelector, aggregator, lateOutput, downstream)
    {
        // Reused buffers, so that neither an event nor a watermark allocates.
        private readonly List<Session<TAcc>> _found = [];
        private readonly List<KeyValuePair<TKey, Session<TAcc>>> _closed = [];

        /// <summary>Sessions whose last event is at or before this are closed at the current watermark.</summary>
        private long ClosedThrough => Watermark == long.MinValue ? long.MinValue : TimeMath.Subtract(Watermark, windows.GapMs + windows.GraceMs);

        protected override void OnEvent(TKey key, in StreamItem<TIn> item)
        {
            long timestamp = item.Timestamp;
            _found.Clear();
            store.FindSessions(key, TimeMath.Subtract(timestamp, windows.GapMs), TimeMath.Add(timestamp, windows.GapMs), _found);
            long start = timestamp, end = timestamp;
            foreach (var session in _found)
            {
                start = Math.Min(start, session.Start);
                end = Math.Max(end, session.End);
            }
            if (end <= ClosedThrough)
            {
                ReportLate(item, $"session {new Window(start, end + 1)} closed: watermark {Watermark} passed its last event + gap ({windows.GapMs} ms) + grace ({windows.GraceMs} ms)");
                return;
            }
            long lastClosedEnd = store.LastClosedEnd(key);
            if (lastClosedEnd != long.MinValue && TimeMath.Subtract(timestamp, windows.GapMs) <= lastClosedEnd)
            {
                // Within one gap after a closed session: it belongs to that session (or to the time
                // before it), whose final result is out. A new session here would depend on where
                // the watermark fell.
                ReportLate(item, $"a session of its key ending at {lastClosedEnd} is closed and the event is within the gap ({windows.GapMs} ms) of it: watermark {Watermark}");
                return;
            }
            if (_found.Count == 0)
            {
                TAcc created = default!;
                if (TryAdd(ref created, create: true, item))
                {
                    store.Add(key, timestamp, timestamp, created);
                    EmitUpdate(key, timestamp, timestamp, created);
                }
                return;
            }
            var accumulator = _found[0].Value;
            for (int i = 1; i < _found.Count; i++)
            {
                if (!TryMerge(ref accumulator, _found[i].Value, item))
                {
                    return;
                }
                store.Remove(key, _found[i].Id);
            }
            if (TryAdd(ref accumulator, create: false, item))
            {
                store.Update(key, new Session<TAcc>(start, end, _found[0].Id, accumulator));
                EmitUpdate(key, start, end, accumulator);
            }
        }

        protected override void CloseWindows(long watermark)
        {
            long closedThrough = watermark == long.MaxValue ? long.MaxValue : ClosedThrough;
            store.CloseSessions(closedThrough, _closed);
            if (windows.Emit == EmitMode.Final && _closed.Count > 0)
            {
                _closed.Sort(static (a, b) => a.Value.End != b.Value.End ? a.Value.End.CompareTo(b.Value.End) : a.Value.Id.CompareTo(b.Value.Id));
                foreach (var (key, session) in _closed)
                {
                    if (!Emit(key, new Window(session.Start, session.End + 1), session.Value, session.End))
                    {
                        break;
                    }
                }
            }
            _closed.Clear();
            // A closed session matters to an event at most one gap after its end (see OnEvent);
            // such an event is itself late once its own session would be closed.
            store.ForgetClosed(closedThrough == long.MaxValue ? long.MaxValue : TimeMath.Subtract(closedThrough, windows.GapMs));
        }

        private void EmitUpdate(TKey key, long start, long end, TAcc accumulator)
        {
            if (windows.Emit == EmitMode.EveryUpdate)
            {
                Emit(key, new Window(start, end + 1), accumulator, end);
            }
        }
    }
}
