using Cep.Engine.Patterns;
using Cep.Engine.State;
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
    PatternOptions<TKey> options,
    Func<IReadOnlyDictionary<string, IReadOnlyList<T>>, TResult> selector,
    PatternOutputs<TKey, T> outputs) : IObservable<StreamItem<TResult>>
    where TKey : notnull
{
    public IDisposable Subscribe(IObserver<StreamItem<TResult>> observer)
    {
        var sink = new Sink(keySelector, nfa, options, selector, outputs, observer);
        if (Runtime.QueryContext.CurrentState is { } state)
        {
            sink.CheckpointInto(state);
        }
        outputs.Probe.Explainer = sink.Explain;
        return sink.Run(source);
    }

    /// <summary>Per-subscription state: the keys' NFA states, the events waiting for the watermark, the deadline timers, the metrics and explain traces. Owned by one task thread.</summary>
    private sealed class Sink(
        Func<T, TKey> keySelector,
        Nfa<T> nfa,
        PatternOptions<TKey> options,
        Func<IReadOnlyDictionary<string, IReadOnlyList<T>>, TResult> selector,
        PatternOutputs<TKey, T> outputs,
        IObserver<StreamItem<TResult>> downstream)
        : OperatorSink<T, TResult>(downstream)
    {
        private const int MaxSpareStates = 1024;
        private const int SparePartialsCapacity = 16;
        private const int LookAhead = 16;

        private readonly IObserver<StreamItem<LateEvent<T>>> _lateOutput = outputs.Late;
        private readonly System.Reactive.Subjects.Subject<StreamItem<TimedOutMatch<TKey, T>>> _timedOutOutput = outputs.TimedOut;
        private readonly IObserver<StreamItem<PrunedMatch<TKey, T>>> _prunedOutput = outputs.Pruned;
        private readonly PatternMetrics _metrics = new(options.Name);
        private readonly PrunedReport _prunedReport = new(options.Logger ?? Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, options.Name, options.MaxPartialMatchesPerKey);

        // Only keys explain is enabled for have an entry: each the last TraceCapacity events.
        private readonly Dictionary<TKey, Queue<EventTrace<T>>> _traces = [];
        private readonly ConditionRecorder<T> _recorder = new(nfa.Steps);
        private readonly List<PendingMatch> _pruned = [];
        // Per key: its partial matches (NfaState), behind the state-store interface so a
        // persistent store can hold them (written with NfaStateSerializer). The events and
        // bindings they reach live in _buffer, shared by all keys.
        private readonly IKeyValueStore<TKey, NfaState<T>> _states = new InMemoryKeyValueStore<TKey, NfaState<T>>();
        private readonly SharedBuffer<T> _buffer = new();
        private readonly TimeOrderedQueue<(TKey Key, StreamItem<T> Item)> _waiting = new();

        // One entry per distinct window deadline of a key's partial matches, queued when the
        // first partial match with that deadline starts. Partial matches start at the time of
        // the event being matched, and events are matched in time order, so deadlines are
        // queued in order and the queue stays a FIFO. Entries of a state that went to another
        // key are stale (Generation) and skipped; the entry holds the state so firing needs no
        // lookup.
        private readonly TimeOrderedQueue<(TKey Key, NfaState<T> State, int Generation)> _timers = new();
        private readonly Stack<NfaState<T>> _spareStates = new();
        private readonly PatternContext<T> _context = nfa.CreateContext();
        private readonly List<PendingMatch> _completed = [];
        private readonly List<PendingMatch> _timedOut = [];
        private readonly List<MatchResult<T>> _emitted = [];
        private readonly List<ComputationState> _spare = [];
        private readonly (TKey Key, StreamItem<T> Item)[] _ahead = new (TKey, StreamItem<T>)[LookAhead];
        private int _untilLookAhead;
        private long _touched;
        private long _watermark = long.MinValue;
        private bool _failed;
        private PatternCheckpoint<TKey, T>? _checkpoint;

        /// <summary>Makes the operator's state part of the task's checkpoints (called before the first event).</summary>
        public void CheckpointInto(Runtime.TaskState state)
        {
            _checkpoint = new PatternCheckpoint<TKey, T>(state.NextName("pattern"), nfa, _states, _buffer, _waiting, _timers);
            state.Register(_checkpoint);
        }

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
                    _metrics.EventIn();
                    if (item.Timestamp <= _watermark)
                    {
                        string reason = $"event time {item.Timestamp} ≤ watermark {_watermark}: the pattern has matched every event up to the watermark";
                        _metrics.Late();
                        Trace(key, item, [], "late: " + reason);
                        _lateOutput.OnNext(StreamItem<LateEvent<T>>.Event(new LateEvent<T>(item.Value, item.Timestamp, item.Origin, reason), item.Timestamp, item.Origin));
                        return;
                    }
                    _waiting.Enqueue(item.Timestamp, (key, item));
                    _metrics.Waiting(1);
                    break;
                case StreamItemKind.Watermark:
                    if (item.Timestamp > _watermark)
                    {
                        _watermark = item.Timestamp;
                        Drain(_watermark);
                    }
                    ForwardPunctuation(item);
                    _lateOutput.OnNext(item.AsPunctuation<LateEvent<T>>());
                    _timedOutOutput.OnNext(item.AsPunctuation<TimedOutMatch<TKey, T>>());
                    _prunedOutput.OnNext(item.AsPunctuation<PrunedMatch<TKey, T>>());
                    break;
                case StreamItemKind.Barrier:
                    ForwardPunctuation(item);
                    _lateOutput.OnNext(item.AsPunctuation<LateEvent<T>>());
                    _timedOutOutput.OnNext(item.AsPunctuation<TimedOutMatch<TKey, T>>());
                    _prunedOutput.OnNext(item.AsPunctuation<PrunedMatch<TKey, T>>());
                    break;
                default:
                    throw new InvalidOperationException($"unknown item kind {item.Kind}");
            }
        }

        /// <summary>A bounded input ended: every event has arrived, so everything waiting is matched and every window ends.</summary>
        public override void OnCompleted()
        {
            Drain(long.MaxValue);
            _lateOutput.OnCompleted();
            _timedOutOutput.OnCompleted();
            _prunedOutput.OnCompleted();
            base.OnCompleted();
        }

        /// <summary>Failing (ForwardOnError) disposes the sink: stop matching then.</summary>
        public override void Dispose()
        {
            _failed = true;
            _metrics.Dispose();
            base.Dispose();
        }

        /// <summary>Matches every waiting event up to <paramref name="watermark"/> and fires every deadline up to it, in time order (a deadline before an event's time first).</summary>
        private void Drain(long watermark)
        {
            while (!_failed)
            {
                bool hasEvent = _waiting.TryPeek(out long eventTime, out var waiting) && eventTime <= watermark;
                bool hasTimer = _timers.TryPeek(out long deadline, out var timer) && deadline <= watermark;
                if (hasTimer && (!hasEvent || deadline < eventTime))
                {
                    _timers.Dequeue();
                    FireTimer(timer, deadline);
                }
                else if (hasEvent)
                {
                    if (--_untilLookAhead <= 0)
                    {
                        TouchAhead();
                    }
                    _waiting.Dequeue();
                    _metrics.Waiting(-1);
                    Match(waiting.Key, waiting.Item);
                }
                else
                {
                    return;
                }
            }
        }

        /// <summary>
        /// Reads the state of the keys of the next waiting events, so their cache misses
        /// overlap: with many keys, an event's cost is mostly waiting for its key's dictionary
        /// entry, state and partial matches to come from memory, one dependent load after
        /// another. These lookups do not depend on each other, so the CPU has several in flight
        /// at once, and when the events are matched their state is in the cache. Only reads.
        /// </summary>
        private void TouchAhead()
        {
            int count = _waiting.PeekAhead(_ahead);
            long touched = 0;
            for (int i = 0; i < count; i++)
            {
                if (_states.TryGet(_ahead[i].Key, out var state) && state.PartialCount > 0)
                {
                    touched += _buffer.Step(state.Partials[^1].Node);
                }
            }
            Array.Clear(_ahead, 0, count); // hold no events longer than the queue does
            _touched += touched; // kept, so the loads are not optimised away
            _untilLookAhead = count;
        }

        private void Match(TKey key, in StreamItem<T> item)
        {
            _checkpoint?.Changed(key);
            ref var slot = ref _states.GetOrAdd(key, out bool added);
            if (added)
            {
                slot = _spareStates.Count > 0 ? _spareStates.Pop() : new NfaState<T>(_buffer);
            }
            var state = slot; // the reference into the store is valid only until it changes (Forget removes)
            int partialsBefore = state.PartialCount;
            int bufferedBefore = state.Buffer.EventCount;
            var recorder = options.Traces(key) ? _recorder : null;
            try
            {
                nfa.Process(state, item, _context, _spare, _completed, recorder);
            }
            catch (PatternConditionException e)
            {
                if (recorder is not null)
                {
                    Trace(key, item, recorder.Take(), $"the condition of step '{e.StepName}' threw {e.InnerException!.GetType().Name}: {e.InnerException.Message}; the event was skipped for this key");
                }
                Fail($"Pattern step '{e.StepName}'", item, e.InnerException!);
                Forget(key, state);
                return;
            }
            int completed = _completed.Count;
            nfa.Emit(state, _completed, _emitted, item.Timestamp);
            nfa.Prune(state, options.MaxPartialMatchesPerKey, _pruned);
            if (_pruned.Count > 0)
            {
                nfa.Emit(state, _completed, _emitted, item.Timestamp); // matches held behind a dropped partial match may go now
            }
            if (recorder is not null)
            {
                var checks = recorder.Take();
                Trace(key, item, checks, Outcome(completed, checks));
            }
            SendPruned(key, state, item);
            _metrics.StateChanged(state, partialsBefore, bufferedBefore);
            Publish(key);
            Schedule(key, state);
        }

        /// <summary>The outcome of the event just matched, in words, for its explain trace.</summary>
        private string Outcome(int completed, IReadOnlyList<ConditionCheck> checks)
        {
            var parts = new List<string>();
            var bound = checks.Where(c => c.Passed && !c.IsAbsence).Select(c => $"'{c.Step}'").Distinct().ToList();
            parts.Add(bound.Count > 0 ? $"bound to {string.Join(", ", bound)}" : "not bound: no step's condition held");
            if (completed > 0)
            {
                parts.Add($"completed {completed} match(es), {_emitted.Count} emitted after the skip strategy");
            }
            if (_pruned.Count > 0)
            {
                parts.Add($"pruned {_pruned.Count} oldest partial match(es) (cap {options.MaxPartialMatchesPerKey})");
            }
            return string.Join("; ", parts);
        }

        /// <summary>Sends the partial matches the cap just dropped to the Pruned side output (at the time of the event that made room) and counts them.</summary>
        private void SendPruned(TKey key, NfaState<T> state, in StreamItem<T> cause)
        {
            if (_pruned.Count == 0)
            {
                return;
            }
            _metrics.PrunedByCap(_pruned.Count);
            _prunedReport.Dropped(key, _pruned.Count);
            foreach (var pruned in _pruned)
            {
                var result = nfa.Materialize(state.Buffer, pruned.Node, cause.Timestamp);
                state.Buffer.Release(pruned.Node);
                string reason = $"key held more than {options.MaxPartialMatchesPerKey} partial matches ({PatternMetrics.CapReason}): dropped the oldest, started at {pruned.Timestamp}";
                _prunedOutput.OnNext(StreamItem<PrunedMatch<TKey, T>>.Event(new PrunedMatch<TKey, T>(key, result.Events, cause.Timestamp, reason), cause.Timestamp, cause.Origin));
            }
            _pruned.Clear();
        }

        /// <summary>Appends to the key's explain trace if explain is enabled for it, keeping the last TraceCapacity events.</summary>
        private void Trace(TKey key, in StreamItem<T> item, IReadOnlyList<ConditionCheck> checks, string outcome)
        {
            if (!options.Traces(key))
            {
                return;
            }
            if (!_traces.TryGetValue(key, out var trace))
            {
                trace = new Queue<EventTrace<T>>();
                _traces.Add(key, trace);
            }
            if (trace.Count == options.TraceCapacity)
            {
                trace.Dequeue();
            }
            trace.Enqueue(new EventTrace<T>(item.Value, item.Timestamp, checks, outcome));
        }

        /// <summary>The key's partial matches and recent traces, copied (see PatternStream.Explain for when it may be called).</summary>
        public PatternExplanation<TKey, T> Explain(TKey key)
        {
            var partials = new List<PartialMatchSnapshot<T>>();
            if (_states.TryGet(key, out var state))
            {
                foreach (var s in state.Partials)
                {
                    partials.Add(nfa.Snapshot(state.Buffer, s));
                }
            }
            var recent = _traces.TryGetValue(key, out var trace) ? trace.ToList() : [];
            return new PatternExplanation<TKey, T>(key, options.Name, partials, recent, options.Traces(key));
        }

        private void FireTimer((TKey Key, NfaState<T> State, int Generation) timer, long deadline)
        {
            var (key, state, generation) = timer;
            if (state.Generation != generation)
            {
                return; // stale: the key was forgotten
            }
            _checkpoint?.Changed(key);
            int partialsBefore = state.PartialCount;
            int bufferedBefore = state.Buffer.EventCount;
            nfa.AdvanceTime(state, deadline, _completed, _timedOut);
            _metrics.Timeouts(_timedOut.Count);
            // Materializing a timed-out partial (its events by step) is the costly part: only
            // when someone reads the TimedOut side output. The metric counts them either way.
            bool wanted = _timedOutOutput.HasObservers;
            foreach (var timedOut in _timedOut)
            {
                if (wanted)
                {
                    var result = nfa.Materialize(state.Buffer, timedOut.Node, timedOut.Timestamp);
                    _timedOutOutput.OnNext(StreamItem<TimedOutMatch<TKey, T>>.Event(new TimedOutMatch<TKey, T>(key, result.Events, timedOut.Timestamp), timedOut.Timestamp, result.LastEvent.Origin));
                }
                state.Buffer.Release(timedOut.Node);
            }
            _timedOut.Clear();
            nfa.Emit(state, _completed, _emitted, deadline);
            _metrics.StateChanged(state, partialsBefore, bufferedBefore);
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
                _metrics.Matches(1);
                ForwardOnNext(StreamItem<TResult>.Event(result, match.Timestamp, match.LastEvent.Origin));
            }
            _emitted.Clear();
        }

        /// <summary>Queues the deadline of the key's newest partial match if it is not queued yet; forgets a key that holds nothing.</summary>
        private void Schedule(TKey key, NfaState<T> state)
        {
            if (state.IsEmpty)
            {
                Forget(key, state);
                return;
            }
            if (!nfa.HasWindow)
            {
                return;
            }
            // Partials are in start order: the newest has the latest deadline, and every
            // earlier one's deadline was queued when it was the newest.
            long latest = nfa.Deadline(state.Partials[^1].StartTimestamp);
            if (latest > state.ScheduledDeadline)
            {
                state.ScheduledDeadline = latest;
                _timers.Enqueue(latest, (key, state, state.Generation));
            }
        }

        private void Forget(TKey key, NfaState<T> state)
        {
            if (state.IsEmpty)
            {
                _states.Remove(key);
                state.ScheduledDeadline = long.MinValue;
                state.Generation++;
                // Most keys hold state only briefly (an event that starts nothing, a sequence
                // that completes), so their emptied state is kept for the next key instead of
                // allocating a state and a list per event. Only small lists are kept.
                if (_spareStates.Count < MaxSpareStates && state.PartialCapacity <= SparePartialsCapacity)
                {
                    _spareStates.Push(state);
                }
            }
        }
    }
}
