using Cep.Engine.State;
using Cep.Engine.Windows;

namespace Cep.Engine.Operators;

/// <summary>
/// Joins two keyed streams on key and time: a left event at t and a right event at t' of the
/// same key join when t − before ≤ t' ≤ t + after. Serves Kafka Streams' windowed
/// Join/LeftJoin/OuterJoin and Flink's interval join (before = −lower, after = upper).
/// <para>
/// Each event is matched against the other side's buffered events of its key as it arrives,
/// and each match is emitted at once, at max(t, t'), with the arriving event's origin. Then
/// the event is buffered until the watermark W reaches its expiry: t + after + grace for a left
/// event, t' + before + grace for a right one.
/// </para>
/// <para>
/// Invariants. An event is late when t ≤ W − grace: it goes to the late side output and takes
/// no part in the join. So every event that can still arrive has t > W − grace, and a buffered
/// left event past its expiry (W ≥ t + after + grace) can match none of them (they would need
/// t' ≤ t + after): it is final, is dropped from the buffer, and — in a left or outer join, if
/// it never matched — emitted unmatched at its own time t. Symmetrically on the right. Hence
/// no spurious unmatched results, and state holds only events younger than their expiry.
/// </para>
/// <para>
/// Output watermark: an unmatched result at t can be emitted once W ≥ t + lookback + grace, so
/// the output watermark is held back to W − grace − lookback (lookback = after for unmatched
/// left events, before for unmatched right ones, 0 for an inner join); every result is then on
/// time downstream. Unmatched results expire in (expiry, arrival) order across keys. When both
/// inputs complete, every buffered event expires.
/// </para>
/// <para>
/// Checkpoints: each key's buffers (events with their matched flags and arrival sequence
/// numbers) live in a key-value store, persistent when the task checkpoints, so only keys
/// changed since the last checkpoint are written. The expiry queue is not written: it holds one
/// entry per buffered event, (expiry, sequence), and the entry popped for a key and side always
/// names that buffer's oldest event, so it is rebuilt exactly from the restored events. New
/// sequence numbers continue after the greatest restored one (only their order matters).
/// </para>
/// Keys are computed here (the keyed streams' selectors, fused as in windows); the per-key
/// buffers are time-ordered arrays. Owned by one task.
/// </summary>
internal sealed class TimeBoundedJoinOperator<TKey, TLeft, TRight, TResult, TJoin> : IObservable<StreamItem<TResult>>
    where TKey : notnull
    where TJoin : IJoinResult<TLeft, TRight, TResult>
{
    private readonly IObservable<StreamItem<TLeft>> _left;
    private readonly Func<TLeft, TKey> _leftKey;
    private readonly IObservable<StreamItem<TRight>> _right;
    private readonly Func<TRight, TKey> _rightKey;
    private readonly long _beforeMs;
    private readonly long _afterMs;
    private readonly long _graceMs;
    private readonly TJoin _join;
    private readonly string _operatorName;
    private readonly IObserver<StreamItem<LateEvent<TLeft>>> _lateLeft;
    private readonly IObserver<StreamItem<LateEvent<TRight>>> _lateRight;
    private readonly JoinStateGauge? _gauge;

    /// <param name="beforeMs">How far before a left event a right one may be (negative: must be after).</param>
    /// <param name="afterMs">How far after a left event a right one may be; before + after ≥ 0.</param>
    /// <param name="gauge">Optional: kept up to date with the buffered events and keys.</param>
    public TimeBoundedJoinOperator(
        IObservable<StreamItem<TLeft>> left,
        Func<TLeft, TKey> leftKey,
        IObservable<StreamItem<TRight>> right,
        Func<TRight, TKey> rightKey,
        long beforeMs,
        long afterMs,
        long graceMs,
        TJoin join,
        string operatorName,
        IObserver<StreamItem<LateEvent<TLeft>>> lateLeft,
        IObserver<StreamItem<LateEvent<TRight>>> lateRight,
        JoinStateGauge? gauge = null)
    {
        if (beforeMs + afterMs < 0 || graceMs < 0)
        {
            throw new ArgumentException($"a time-bounded join needs before + after ≥ 0 and grace ≥ 0; got before {beforeMs}, after {afterMs}, grace {graceMs} ms");
        }
        _left = left;
        _leftKey = leftKey;
        _right = right;
        _rightKey = rightKey;
        _beforeMs = beforeMs;
        _afterMs = afterMs;
        _graceMs = graceMs;
        _join = join;
        _operatorName = operatorName;
        _lateLeft = lateLeft;
        _lateRight = lateRight;
        _gauge = gauge;
    }

    public IDisposable Subscribe(IObserver<StreamItem<TResult>> observer) =>
        new Sink(this, observer).Run(_left, _right);

    private sealed class KeyState
    {
        public TimeOrderedBuffer<TLeft>? Left;
        public TimeOrderedBuffer<TRight>? Right;

        public bool IsEmpty => (Left is null || Left.Count == 0) && (Right is null || Right.Count == 0);

        public static void Write(StateWriter writer, KeyState state)
        {
            TimeOrderedBuffer<TLeft>.Write(writer, state.Left);
            TimeOrderedBuffer<TRight>.Write(writer, state.Right);
        }

        public static KeyState Read(StateReader reader) => new()
        {
            Left = TimeOrderedBuffer<TLeft>.Read(reader),
            Right = TimeOrderedBuffer<TRight>.Read(reader),
        };
    }

    private sealed class Sink : BinaryOperatorSink<TLeft, TRight, TResult>
    {
        private readonly TimeBoundedJoinOperator<TKey, TLeft, TRight, TResult, TJoin> _op;
        private readonly IKeyValueStore<TKey, KeyState> _keys;

        // One entry per buffered event: (key, side) by (expiry, arrival). Within one key and side,
        // expiry order is timestamp order, so the entry popped always names its buffer's oldest event.
        private readonly PriorityQueue<(TKey Key, bool Right), (long Expiry, long Sequence)> _expiries = new();
        private readonly long _holdBackMs;

        private readonly Func<TLeft, TRight, TResult> _matchLeft;
        private readonly Func<TRight, TLeft, TResult> _matchRight;
        private readonly Func<TLeft, TResult> _leftOnly;
        private readonly Func<TRight, TResult> _rightOnly;
        private long _sequence;
        private long _watermark = long.MinValue;
        private long _outputWatermark = long.MinValue;

        public Sink(TimeBoundedJoinOperator<TKey, TLeft, TRight, TResult, TJoin> op, IObserver<StreamItem<TResult>> downstream)
            : base(downstream)
        {
            _op = op;
            _keys = Runtime.QueryContext.KeyValueStore<TKey, KeyState>("join", KeyState.Write, KeyState.Read, restored: QueueRestoredEvents);
            _holdBackMs = _op._graceMs + Math.Max(0, Math.Max(
                _op._join.EmitsUnmatchedLeft ? _op._afterMs : 0,
                _op._join.EmitsUnmatchedRight ? _op._beforeMs : 0));
            _matchLeft = _op._join.Matched;
            _matchRight = (r, l) => _op._join.Matched(l, r);
            _leftOnly = _op._join.LeftOnly;
            _rightOnly = _op._join.RightOnly;
        }

        protected override void OnLeft(in StreamItem<TLeft> item)
        {
            if (TryKeyOf(item, _op._leftKey, _op._lateLeft, "left", out var key))
            {
                var state = StateOf(key);
                // A left event at t joins right events at t' with t − before ≤ t' ≤ t + after.
                OnEvent(item, key, state, ref state.Left, state.Right, _op._beforeMs, _op._afterMs, _matchLeft, _op._join.EmitsUnmatchedLeft ? _leftOnly : null, right: false);
            }
        }

        protected override void OnRight(in StreamItem<TRight> item)
        {
            if (TryKeyOf(item, _op._rightKey, _op._lateRight, "right", out var key))
            {
                var state = StateOf(key);
                // A right event at t' joins left events at t with t' − after ≤ t ≤ t' + before.
                OnEvent(item, key, state, ref state.Right, state.Left, _op._afterMs, _op._beforeMs, _matchRight, _op._join.EmitsUnmatchedRight ? _rightOnly : null, right: true);
            }
        }

        /// <summary>The event's key; false (nothing more to do) when it is late or its key selector threw.</summary>
        private bool TryKeyOf<T>(in StreamItem<T> item, Func<T, TKey> keySelector, IObserver<StreamItem<LateEvent<T>>> late, string side, out TKey key)
        {
            key = default!;
            if (IsLate(item.Timestamp))
            {
                late.OnNext(Late(item, side));
                return false;
            }
            try
            {
                key = keySelector(item.Value);
                return true;
            }
            catch (Exception e)
            {
                Fail("KeyBy", item.Origin, e);
                return false;
            }
        }

        /// <summary>
        /// One side's event, written once for both sides: match it against the other side's
        /// buffered events in [t − lookBack, t + lookAhead], emit each match at once, then buffer
        /// it until the watermark reaches t + lookAhead + grace (or, if that has passed already,
        /// settle it now).
        /// </summary>
        private void OnEvent<TThis, TOther>(
            in StreamItem<TThis> item,
            TKey key,
            KeyState state,
            ref TimeOrderedBuffer<TThis>? own,
            TimeOrderedBuffer<TOther>? others,
            long lookBack,
            long lookAhead,
            Func<TThis, TOther, TResult> match,
            Func<TThis, TResult>? only,
            bool right)
        {
            bool matched = false;
            if (others is { Count: > 0 })
            {
                var candidates = others.Items;
                long last = Saturating(item.Timestamp, lookAhead);
                for (int i = others.FirstAtOrAfter(Saturating(item.Timestamp, -lookBack)); i < candidates.Length && candidates[i].Timestamp <= last; i++)
                {
                    ref var other = ref candidates[i];
                    TResult result;
                    try
                    {
                        result = match(item.Value, other.Value);
                    }
                    catch (Exception e)
                    {
                        Fail(_op._operatorName, item.Origin, e);
                        return;
                    }
                    other.Matched = true;
                    matched = true;
                    ForwardOnNext(StreamItem<TResult>.Event(result, Math.Max(item.Timestamp, other.Timestamp), item.Origin));
                    if (!IsRunning)
                    {
                        return;
                    }
                }
            }
            var buffered = new BufferedEvent<TThis>(item.Timestamp, item.Value, item.Origin, matched, _sequence);
            long expiry = Expiry(item.Timestamp, lookAhead);
            if (expiry <= _watermark)
            {
                // Only with a negative look-ahead (an interval bound below zero): no event still to
                // come on the other side can match this one, so it is final already.
                if (!matched && only is not null)
                {
                    EmitOnly(buffered, only);
                }
                ForgetIfEmpty(key, state);
                return;
            }
            (own ??= new()).Insert(buffered);
            _expiries.Enqueue((key, right), (expiry, _sequence++));
            CountBuffered(+1);
        }

        /// <summary>When an event at <paramref name="timestamp"/> that may match events up to <paramref name="lookAhead"/> after it is final.</summary>
        private long Expiry(long timestamp, long lookAhead) => Saturating(Saturating(timestamp, lookAhead), _op._graceMs);

        /// <summary>After a restore: queues the expiry of every restored event, as it was queued when the event arrived.</summary>
        private void QueueRestoredEvents()
        {
            foreach (var (key, state) in _keys.Entries)
            {
                CountKeys(+1);
                QueueRestored(key, state.Left, _op._afterMs, right: false);
                QueueRestored(key, state.Right, _op._beforeMs, right: true);
            }
        }

        private void QueueRestored<T>(TKey key, TimeOrderedBuffer<T>? buffer, long lookAhead, bool right)
        {
            if (buffer is null)
            {
                return;
            }
            foreach (ref readonly var item in buffer.Items)
            {
                _expiries.Enqueue((key, right), (Expiry(item.Timestamp, lookAhead), item.Sequence));
                _sequence = Math.Max(_sequence, item.Sequence + 1);
                CountBuffered(+1);
            }
        }

        protected override void OnWatermark(long watermark)
        {
            _watermark = watermark;
            if (!ExpireUpTo(watermark))
            {
                return;
            }
            long output = Saturating(watermark, -_holdBackMs);
            if (output > _outputWatermark)
            {
                _outputWatermark = output;
                ForwardOnNext(StreamItem<TResult>.Watermark(output));
            }
            _op._lateLeft.OnNext(StreamItem<LateEvent<TLeft>>.Watermark(watermark));
            _op._lateRight.OnNext(StreamItem<LateEvent<TRight>>.Watermark(watermark));
        }

        protected override void OnBarrier(long checkpointId)
        {
            base.OnBarrier(checkpointId);
            _op._lateLeft.OnNext(StreamItem<LateEvent<TLeft>>.Barrier(checkpointId));
            _op._lateRight.OnNext(StreamItem<LateEvent<TRight>>.Barrier(checkpointId));
        }

        protected override void OnCompleted()
        {
            // Bounded input: nothing more can match, so every buffered event is final.
            if (!ExpireUpTo(long.MaxValue))
            {
                return;
            }
            _op._lateLeft.OnCompleted();
            _op._lateRight.OnCompleted();
            base.OnCompleted();
        }

        private bool IsLate(long timestamp) =>
            _watermark != long.MinValue && timestamp <= Saturating(_watermark, -_op._graceMs);

        private StreamItem<LateEvent<T>> Late<T>(in StreamItem<T> item, string side)
        {
            string reason = $"{side} event at {item.Timestamp} is later than the join's grace: watermark {_watermark} ≥ {item.Timestamp} + grace ({_op._graceMs} ms)";
            return StreamItem<LateEvent<T>>.Event(new LateEvent<T>(item.Value, item.Timestamp, item.Origin, reason), item.Timestamp, item.Origin);
        }

        private KeyState StateOf(TKey key)
        {
            ref var state = ref _keys.GetOrAdd(key, out bool added);
            if (added)
            {
                state = new KeyState();
                CountKeys(+1);
            }
            return state!;
        }

        private void ForgetIfEmpty(TKey key, KeyState state)
        {
            if (state.IsEmpty)
            {
                _keys.Remove(key);
                CountKeys(-1);
            }
        }

        /// <summary>Drops every buffered event whose expiry ≤ <paramref name="watermark"/>, emitting the unmatched ones; false if the sink failed.</summary>
        private bool ExpireUpTo(long watermark)
        {
            while (_expiries.TryPeek(out var entry, out var priority) && priority.Expiry <= watermark)
            {
                _expiries.Dequeue();
                var state = _keys.GetOrAdd(entry.Key, out bool added); // GetOrAdd: the state changes
                if (added)
                {
                    throw new InvalidOperationException("an expiry names a key with no join state");
                }
                if (entry.Right)
                {
                    var expired = state.Right!.RemoveOldest();
                    if (!expired.Matched && _op._join.EmitsUnmatchedRight)
                    {
                        EmitOnly(expired, _rightOnly);
                    }
                }
                else
                {
                    var expired = state.Left!.RemoveOldest();
                    if (!expired.Matched && _op._join.EmitsUnmatchedLeft)
                    {
                        EmitOnly(expired, _leftOnly);
                    }
                }
                CountBuffered(-1);
                ForgetIfEmpty(entry.Key, state);
                if (!IsRunning)
                {
                    return false;
                }
            }
            return true;
        }

        /// <summary>Emits an event that matched nothing, at its own time (left or outer joins, and outer on the right).</summary>
        private void EmitOnly<T>(in BufferedEvent<T> unmatched, Func<T, TResult> only)
        {
            TResult result;
            try
            {
                result = only(unmatched.Value);
            }
            catch (Exception e)
            {
                Fail(_op._operatorName, unmatched.Origin, e);
                return;
            }
            ForwardOnNext(StreamItem<TResult>.Event(result, unmatched.Timestamp, unmatched.Origin));
        }

        private void CountBuffered(int delta)
        {
            if (_op._gauge is { } gauge)
            {
                gauge.BufferedEvents += delta;
            }
        }

        private void CountKeys(int delta)
        {
            if (_op._gauge is { } gauge)
            {
                gauge.Keys += delta;
            }
        }

        /// <summary>a + b, clamped to the long range (event times near the ends must not wrap).</summary>
        private static long Saturating(long a, long b)
        {
            long sum = a + b;
            // Overflow happened iff a and b have the same sign and the sum's sign differs.
            if (((a ^ sum) & (b ^ sum)) < 0)
            {
                return a < 0 ? long.MinValue : long.MaxValue;
            }
            return sum;
        }
    }
}
