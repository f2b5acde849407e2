using Cep.Engine.Operators;

namespace Cep.Engine.Joins;

/// <summary>
/// An interval join with its interval, waiting for a result selector (Flink's
/// <c>IntervalJoined</c>): a left event at t joins each right event of its key at t' in
/// [t + lower, t + upper] — an inner join. Results are emitted as matches happen, at
/// max(t, t'). An event at or behind the watermark (t ≤ W) is late: it goes to
/// <see cref="LateEvents"/> and joins nothing. Buffered left events are dropped once
/// W ≥ t + upper, right ones once W ≥ t' − lower, so state spans only the interval.
/// Each instance has its own late side output; the bound modifiers return a new instance.
/// Not thread-safe (one task).
/// </summary>
public sealed class IntervalJoined<TKey, TLeft, TRight>
    where TKey : notnull
{
    private readonly KeyedStream<TKey, TLeft> _left;
    private readonly KeyedStream<TKey, TRight> _right;
    private readonly long _lowerMs;
    private readonly long _upperMs;
    private readonly bool _lowerExclusive;
    private readonly bool _upperExclusive;

    internal IntervalJoined(KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right, long lowerMs, long upperMs, bool lowerExclusive, bool upperExclusive)
    {
        // Exclusive bounds become inclusive ones a millisecond in (event times are whole ms).
        long effectiveLower = lowerExclusive ? lowerMs + 1 : lowerMs, effectiveUpper = upperExclusive ? upperMs - 1 : upperMs;
        if (effectiveLower > effectiveUpper)
        {
            throw new ArgumentException($"the interval ({lowerMs}, {upperMs}) ms with its exclusive bounds holds no time");
        }
        _left = left;
        _right = right;
        _lowerMs = lowerMs;
        _upperMs = upperMs;
        _lowerExclusive = lowerExclusive;
        _upperExclusive = upperExclusive;
    }

    /// <summary>Events that arrived at or behind the watermark, with the reason.</summary>
    public JoinLateEvents<TLeft, TRight> LateEvents { get; } = new();

    /// <summary>Right events exactly at t + lower no longer join.</summary>
    public IntervalJoined<TKey, TLeft, TRight> LowerBoundExclusive() => new(_left, _right, _lowerMs, _upperMs, lowerExclusive: true, _upperExclusive);

    /// <summary>Right events exactly at t + upper no longer join.</summary>
    public IntervalJoined<TKey, TLeft, TRight> UpperBoundExclusive() => new(_left, _right, _lowerMs, _upperMs, _lowerExclusive, upperExclusive: true);

    /// <summary>One result per joined pair.</summary>
    public Stream<TResult> Select<TResult>(Func<TLeft, TRight, TResult> resultSelector)
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        long lower = _lowerExclusive ? _lowerMs + 1 : _lowerMs, upper = _upperExclusive ? _upperMs - 1 : _upperMs;
        // [t + lower, t + upper] is the window join's [t − before, t + after] with before = −lower.
        return new(new TimeBoundedJoinOperator<TKey, TLeft, TRight, TResult, InnerJoinResult<TLeft, TRight, TResult>>(
            _left.Source, _left.KeySelector, _right.Source, _right.KeySelector,
            beforeMs: -lower, afterMs: upper, graceMs: 0, new(resultSelector), "IntervalJoin",
            LateEvents.LeftObserver, LateEvents.RightObserver));
    }
}
