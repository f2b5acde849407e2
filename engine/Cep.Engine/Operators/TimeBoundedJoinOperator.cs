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
    }

    private sealed class Sink(TimeBoundedJoinOperator<TKey, TLeft, TRight, TResult, TJoin> op, IObserver<StreamItem<TResult>> downstream)
        : BinaryOperatorSink<TLeft, TRight, TResult>(downstream)
    {
        private readonly IKeyValueStore<TKey, KeyState> _keys = new InMemoryKeyValueStore<TKey, KeyState>();

        // One entry per buffered event: (key, side) by (expiry, arrival). Within one key and side,
        // expiry order is timestamp order, so the entry popped always names its buffer's oldest event.
        private readonly PriorityQueue<(TKey Key, bool Right), (long Expiry, long Sequence)> _expiries = new();
        private readonly long _holdBackMs = op._graceMs + Math.Max(0, Math.Max(
            op._join.EmitsUnmatchedLeft ? op._afterMs : 0,
            op._join.EmitsUnmatchedRight ? op._beforeMs : 0));

        private long _sequence;
        private long _watermark = long.MinValue;
        private long _outputWatermark = long.MinValue;

        protected override void OnLeft(in StreamItem<TLeft> item)
        {
            if (IsLate(item.Timestamp))
            {
                op._lateLeft.OnNext(Late(item, "left"));
                return;
            }
            TKey key;
            try
            {
                key = op._leftKey(item.Value);
            }
            catch (Exception e)
            {
                Fail("KeyBy", item.Origin, e);
                return;
            }
            var state = StateOf(key);
            bool matched = false;
            if (state.Right is { Count: > 0 } others)
            {
                var candidates = others.Items;
                long last = Saturating(item.Timestamp, op._afterMs);
                for (int i = others.FirstAtOrAfter(Saturating(item.Timestamp, -op._beforeMs)); i < candidates.Length && candidates[i].Timestamp <= last; i++)
                {
                    ref var other = ref candidates[i];
                    TResult result;
                    try
                    {
                        result = op._join.Matched(item.Value, other.Value);
                    }
                    catch (Exception e)
                    {
                        Fail(op._operatorName, item.Origin, e);
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
            long expiry = Saturating(Saturating(item.Timestamp, op._afterMs), op._graceMs);
            if (expiry <= _watermark)
            {
                // Only with a negative after (an interval whose upper bound is below zero): no
                // right event still to come can match this one, so it is final already.
                if (!matched && op._join.EmitsUnmatchedLeft)
                {
                    EmitLeftOnly(new BufferedEvent<TLeft>(item.Timestamp, item.Value, item.Origin, false));
                }
                ForgetIfEmpty(key, state);
                return;
            }
            (state.Left ??= new()).Insert(new BufferedEvent<TLeft>(item.Timestamp, item.Value, item.Origin, matched));
            _expiries.Enqueue((key, false), (expiry, _sequence++));
            CountBuffered(+1);
        }

        protected override void OnRight(in StreamItem<TRight> item)
        {
            if (IsLate(item.Timestamp))
            {
                op._lateRight.OnNext(Late(item, "right"));
                return;
            }
            TKey key;
            try
            {
                key = op._rightKey(item.Value);
            }
            catch (Exception e)
            {
                Fail("KeyBy", item.Origin, e);
                return;
            }
            var state = StateOf(key);
            bool matched = false;
            if (state.Left is { Count: > 0 } others)
            {
                // A right event at t' joins left events at t with t' − after ≤ t ≤ t' + before.
                var candidates = others.Items;
                long last = Saturating(item.Timestamp, op._beforeMs);
                for (int i = others.FirstAtOrAfter(Saturating(item.Timestamp, -op._afterMs)); i < candidates.Length && candidates[i].Timestamp <= last; i++)
                {
                    ref var other = ref candidates[i];
                    TResult result;
                    try
                    {
                        result = op._join.Matched(other.Value, item.Value);
                    }
                    catch (Exception e)
                    {
                        Fail(op._operatorName, item.Origin, e);
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
            long expiry = Saturating(Saturating(item.Timestamp, op._beforeMs), op._graceMs);
            if (expiry <= _watermark)
            {
                if (!matched && op._join.EmitsUnmatchedRight)
                {
                    EmitRightOnly(new BufferedEvent<TRight>(item.Timestamp, item.Value, item.Origin, false));
                }
                ForgetIfEmpty(key, state);
                return;
            }
            (state.Right ??= new()).Insert(new BufferedEvent<TRight>(item.Timestamp, item.Value, item.Origin, matched));
            _expiries.Enqueue((key, true), (expiry, _sequence++));
            CountBuffered(+1);
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
            op._lateLeft.OnNext(StreamItem<LateEvent<TLeft>>.Watermark(watermark));
            op._lateRight.OnNext(StreamItem<LateEvent<TRight>>.Watermark(watermark));
        }

        protected override void OnBarrier(long checkpointId)
        {
            base.OnBarrier(checkpointId);
            op._lateLeft.OnNext(StreamItem<LateEvent<TLeft>>.Barrier(checkpointId));
            op._lateRight.OnNext(StreamItem<LateEvent<TRight>>.Barrier(checkpointId));
        }

        protected override void OnCompleted()
        {
            // Bounded input: nothing more can match, so every buffered event is final.
            if (!ExpireUpTo(long.MaxValue))
            {
                return;
            }
            op._lateLeft.OnCompleted();
            op._lateRight.OnCompleted();
            base.OnCompleted();
        }

        private bool IsLate(long timestamp) =>
            _watermark != long.MinValue && timestamp <= Saturating(_watermark, -op._graceMs);

        private StreamItem<LateEvent<T>> Late<T>(in StreamItem<T> item, string side)
        {
            string reason = $"{side} event at {item.Timestamp} is later than the join's grace: watermark {_watermark} ≥ {item.Timestamp} + grace ({op._graceMs} ms)";
            return StreamItem<LateEvent<T>>.Event(new LateEvent<T>(item.Value, item.Timestamp, item.Origin, reason), item.Timestamp, item.Origin);
        }

        private KeyState StateOf(TKey key)
        {
            ref var state = ref _keys.GetOrAdd(key, out bool added);
            bool exists = !added;
            if (!exists)
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
                var state = _keys.TryGet(entry.Key, out var found) ? found : throw new InvalidOperationException("an expiry names a key with no join state");
                if (entry.Right)
                {
                    var expired = state.Right!.RemoveOldest();
                    if (!expired.Matched && op._join.EmitsUnmatchedRight)
                    {
                        EmitRightOnly(expired);
                    }
                }
                else
                {
                    var expired = state.Left!.RemoveOldest();
                    if (!expired.Matched && op._join.EmitsUnmatchedLeft)
                    {
                        EmitLeftOnly(expired);
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

        private void EmitLeftOnly(in BufferedEvent<TLeft> unmatched)
        {
            TResult result;
            try
            {
                result = op._join.LeftOnly(unmatched.Value);
            }
            catch (Exception e)
            {
                Fail(op._operatorName, unmatched.Origin, e);
                return;
            }
            ForwardOnNext(StreamItem<TResult>.Event(result, unmatched.Timestamp, unmatched.Origin));
        }

        private void EmitRightOnly(in BufferedEvent<TRight> unmatched)
        {
            TResult result;
            try
            {
                result = op._join.RightOnly(unmatched.Value);
            }
            catch (Exception e)
            {
                Fail(op._operatorName, unmatched.Origin, e);
                return;
            }
            ForwardOnNext(StreamItem<TResult>.Event(result, unmatched.Timestamp, unmatched.Origin));
        }

        private void CountBuffered(int delta)
        {
            if (op._gauge is { } gauge)
            {
                gauge.BufferedEvents += delta;
            }
        }

        private void CountKeys(int delta)
        {
            if (op._gauge is { } gauge)
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
