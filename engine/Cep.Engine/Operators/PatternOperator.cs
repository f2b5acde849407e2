using Cep.Engine.Patterns;
using Cep.Engine.Windows;

namespace Cep.Engine.Operators;

/// <summary>
/// Matches a compiled pattern per key. Events wait in a buffer until the watermark passes
/// them, then are matched in (event time, arrival) order — CEP results depend on order, and
/// the watermark is the point after which that order is final. An event at or below the
/// watermark on arrival is late and goes to the late side output with the reason. Time is a
/// separate input to the automaton: window deadlines are timers, fired in the same time order
/// as the events (a deadline before an event's time fires first), so results do not depend on
/// where the watermarks fall. Matches go out at their last event's time; confirmed trailing
/// absences and timeouts at their window's last instant, which is never behind the watermark
/// already sent downstream.
/// </summary>
internal sealed class PatternOperator<TKey, T, TResult>(
    IObservable<StreamItem<T>> source,
    Func<T, TKey> keySelector,
    Nfa<T> nfa,
    Func<IReadOnlyDictionary<string, IReadOnlyList<T>>, TResult> selector,
    IObserver<StreamItem<LateEvent<T>>> lateOutput,
    IObserver<StreamItem<TimedOutMatch<TKey, T>>> timedOutOutput) : IObservable<StreamItem<TResult>>
    where TKey : notnull
{
    public IDisposable Subscribe(IObserver<StreamItem<TResult>> observer) =>
        new Sink(keySelector, nfa, selector, lateOutput, timedOutOutput, observer).Run(source);

    /// <summary>Per-subscription state: the keys' NFA states, the events waiting for the watermark, the deadline timers. Owned by one task thread.</summary>
    private sealed class Sink(
        Func<T, TKey> keySelector,
        Nfa<T> nfa,
        Func<IReadOnlyDictionary<string, IReadOnlyList<T>>, TResult> selector,
        IObserver<StreamItem<LateEvent<T>>> lateOutput,
        IObserver<StreamItem<TimedOutMatch<TKey, T>>> timedOutOutput,
        IObserver<StreamItem<TResult>> downstream)
        : OperatorSink<T, TResult>(downstream)
    {
        private readonly Dictionary<TKey, NfaState<T>> _states = [];
        private readonly PriorityQueue<(TKey Key, StreamItem<T> Item), (long Timestamp, long Arrival)> _waiting = new();

        // One entry per key with partial matches under a window, at (a lower bound of) its
        // earliest deadline; stale entries (the key's ScheduledDeadline moved) are skipped.
        private readonly PriorityQueue<TKey, long> _timers = new();
        private readonly PatternContext<T> _context = nfa.CreateContext();
        private readonly List<PendingMatch> _completed = [];
        private readonly List<PendingMatch> _timedOut = [];
        private readonly List<MatchResult<T>> _emitted = [];
        private List<ComputationState> _spare = [];
        private long _arrivals;
        private long _watermark = long.MinValue;
        private bool _failed;

        public override void OnNext(StreamItem<T> item)
        {
            switch (item.Kind)
            {
                case StreamItemKind.Event:
                    TKey key;
                    try
                    {
                        key = keySelector(item.Value);
                    }
                    catch (Exception e)
                    {
                        Fail("KeyBy", item, e);
                        return;
                    }
                    if (item.Timestamp <= _watermark)
                    {
                        lateOutput.OnNext(StreamItem<LateEvent<T>>.Event(
                            new LateEvent<T>(item.Value, item.Timestamp, item.Origin, $"event time {item.Timestamp} ≤ watermark {_watermark}: the pattern has matched every event up to the watermark"),
                            item.Timestamp,
                            item.Origin));
                        return;
                    }
                    _waiting.Enqueue((key, item), (item.Timestamp, _arrivals++));
                    break;
                case StreamItemKind.Watermark:
                    if (item.Timestamp > _watermark)
                    {
                        _watermark = item.Timestamp;
                        Drain(_watermark);
                    }
                    ForwardPunctuation(item);
                    lateOutput.OnNext(item.AsPunctuation<LateEvent<T>>());
                    timedOutOutput.OnNext(item.AsPunctuation<TimedOutMatch<TKey, T>>());
                    break;
                case StreamItemKind.Barrier:
                    ForwardPunctuation(item);
                    lateOutput.OnNext(item.AsPunctuation<LateEvent<T>>());
                    timedOutOutput.OnNext(item.AsPunctuation<TimedOutMatch<TKey, T>>());
                    break;
                default:
                    throw new InvalidOperationException($"unknown item kind {item.Kind}");
            }
        }

        /// <summary>A bounded input ended: every event has arrived, so everything waiting is matched and every window ends.</summary>
        public override void OnCompleted()
        {
            Drain(long.MaxValue);
            lateOutput.OnCompleted();
            timedOutOutput.OnCompleted();
            base.OnCompleted();
        }

        /// <summary>Failing (ForwardOnError) disposes the sink: stop matching then.</summary>
        public override void Dispose()
        {
            _failed = true;
            base.Dispose();
        }

        /// <summary>Matches every waiting event up to <paramref name="watermark"/> and fires every deadline up to it, in time order (a deadline before an event's time first).</summary>
        private void Drain(long watermark)
        {
            while (!_failed)
            {
                bool hasEvent = _waiting.TryPeek(out var waiting, out var order) && order.Timestamp <= watermark;
                bool hasTimer = _timers.TryPeek(out var timerKey, out long deadline) && deadline <= watermark;
                if (hasTimer && (!hasEvent || deadline < order.Timestamp))
                {
                    _timers.Dequeue();
                    FireTimer(timerKey!, deadline);
                }
                else if (hasEvent)
                {
                    _waiting.Dequeue();
                    Match(waiting.Key, waiting.Item);
                }
                else
                {
                    return;
                }
            }
        }

        private void Match(TKey key, in StreamItem<T> item)
        {
            if (!_states.TryGetValue(key, out var state))
            {
                state = new NfaState<T>();
                _states.Add(key, state);
            }
            try
            {
                nfa.Process(state, item, _context, ref _spare, _completed);
            }
            catch (PatternConditionException e)
            {
                Fail($"Pattern step '{e.StepName}'", item, e.InnerException!);
                Forget(key, state);
                return;
            }
            nfa.Emit(state, _completed, _emitted);
            Publish(key);
            Schedule(key, state);
        }

        private void FireTimer(TKey key, long deadline)
        {
            if (!_states.TryGetValue(key, out var state) || state.ScheduledDeadline != deadline)
            {
                return; // stale: the key was forgotten or rescheduled
            }
            state.ScheduledDeadline = long.MaxValue;
            nfa.AdvanceTime(state, deadline, _completed, _timedOut);
            foreach (var timedOut in _timedOut)
            {
                var result = nfa.Materialize(state.Buffer, state.Buffer.Path(timedOut.Node), timedOut.Timestamp);
                state.Buffer.Release(timedOut.Node);
                timedOutOutput.OnNext(StreamItem<TimedOutMatch<TKey, T>>.Event(new TimedOutMatch<TKey, T>(key, result.Events, timedOut.Timestamp), timedOut.Timestamp, result.LastEvent.Origin));
            }
            _timedOut.Clear();
            nfa.Emit(state, _completed, _emitted);
            Publish(key);
            Schedule(key, state);
        }

        /// <summary>Runs the selector over each emitted match and sends the results on.</summary>
        private void Publish(TKey key)
        {
            foreach (var match in _emitted)
            {
                if (_failed)
                {
                    break;
                }
                TResult result;
                try
                {
                    result = selector(match.Events);
                }
                catch (Exception e)
                {
                    Fail("Pattern Select", match.LastEvent, e);
                    continue;
                }
                ForwardOnNext(StreamItem<TResult>.Event(result, match.Timestamp, match.LastEvent.Origin));
            }
            _emitted.Clear();
        }

        /// <summary>Queues the key's earliest deadline if it moved earlier; forgets a key that holds nothing.</summary>
        private void Schedule(TKey key, NfaState<T> state)
        {
            if (state.IsEmpty)
            {
                Forget(key, state);
                return;
            }
            long earliest = nfa.EarliestDeadline(state);
            if (earliest < state.ScheduledDeadline)
            {
                state.ScheduledDeadline = earliest;
                _timers.Enqueue(key, earliest);
            }
        }

        private void Forget(TKey key, NfaState<T> state)
        {
            if (state.IsEmpty)
            {
                _states.Remove(key);
            }
        }
    }
}
