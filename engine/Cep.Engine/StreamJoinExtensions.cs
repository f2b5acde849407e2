using Cep.Engine.Joins;
using Cep.Engine.Operators;

namespace Cep.Engine;

/// <summary>
/// Stream-stream joins of keyed streams: windowed joins with Kafka Streams' semantics (3.x,
/// after KIP-633 and the spurious-result fix) and Flink's interval join.
/// <list type="bullet">
/// <item>Two events of the same key join when their times fit the <see cref="JoinWindows"/>;
/// each match is emitted as soon as its second event arrives, at the later of the two times.</item>
/// <item>Left and outer joins emit an event that matched nothing — with
/// <see cref="Optional{T}.None"/> for the other side — only once its window has closed (the
/// watermark reached t + after + grace for a left event, t + before + grace for a right one),
/// never eagerly, at the event's own time; the output watermark is held back accordingly.</item>
/// <item>An event more than the grace behind the watermark is late: it goes to the late side
/// output (the overloads with <c>out lateEvents</c>) and takes no part in the join.</item>
/// <item>State is each key's events of both sides, dropped as the watermark passes their
/// window's close, so it holds about (before + after + grace) of event time.</item>
/// </list>
/// Not thread-safe: a graph is built and run by one task.
/// </summary>
public static class StreamJoinExtensions
{
    /// <summary>Inner join: one result per pair of same-key events whose times fit the window.</summary>
    public static Stream<TResult> Join<TKey, TLeft, TRight, TResult>(
        this KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right, JoinWindows windows, Func<TLeft, TRight, TResult> resultSelector)
        where TKey : notnull =>
        left.Join(right, windows, resultSelector, out _);

    /// <summary>Inner join, with the late side output.</summary>
    public static Stream<TResult> Join<TKey, TLeft, TRight, TResult>(
        this KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right, JoinWindows windows, Func<TLeft, TRight, TResult> resultSelector,
        out JoinLateEvents<TLeft, TRight> lateEvents)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return Build<TKey, TLeft, TRight, TResult, InnerJoinResult<TLeft, TRight, TResult>>(left, right, windows, new(resultSelector), "Join", out lateEvents);
    }

    /// <summary>
    /// Left join: the inner join's results, plus each left event that matched nothing, with
    /// no right value, once its window has closed.
    /// </summary>
    public static Stream<TResult> LeftJoin<TKey, TLeft, TRight, TResult>(
        this KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right, JoinWindows windows, Func<TLeft, Optional<TRight>, TResult> resultSelector)
        where TKey : notnull =>
        left.LeftJoin(right, windows, resultSelector, out _);

    /// <summary>Left join, with the late side output.</summary>
    public static Stream<TResult> LeftJoin<TKey, TLeft, TRight, TResult>(
        this KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right, JoinWindows windows, Func<TLeft, Optional<TRight>, TResult> resultSelector,
        out JoinLateEvents<TLeft, TRight> lateEvents)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return Build<TKey, TLeft, TRight, TResult, LeftJoinResult<TLeft, TRight, TResult>>(left, right, windows, new(resultSelector), "LeftJoin", out lateEvents);
    }

    /// <summary>
    /// Outer join: the inner join's results, plus each event of either side that matched
    /// nothing, with no value for the other side, once its window has closed.
    /// </summary>
    public static Stream<TResult> OuterJoin<TKey, TLeft, TRight, TResult>(
        this KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right, JoinWindows windows, Func<Optional<TLeft>, Optional<TRight>, TResult> resultSelector)
        where TKey : notnull =>
        left.OuterJoin(right, windows, resultSelector, out _);

    /// <summary>Outer join, with the late side output.</summary>
    public static Stream<TResult> OuterJoin<TKey, TLeft, TRight, TResult>(
        this KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right, JoinWindows windows, Func<Optional<TLeft>, Optional<TRight>, TResult> resultSelector,
        out JoinLateEvents<TLeft, TRight> lateEvents)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(resultSelector);
        return Build<TKey, TLeft, TRight, TResult, OuterJoinResult<TLeft, TRight, TResult>>(left, right, windows, new(resultSelector), "OuterJoin", out lateEvents);
    }

    /// <summary>Starts a Flink-style interval join; give the interval with <see cref="IntervalJoin{TKey, TLeft, TRight}.Between"/>.</summary>
    public static IntervalJoin<TKey, TLeft, TRight> IntervalJoin<TKey, TLeft, TRight>(this KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new(left, right);
    }

    private static Stream<TResult> Build<TKey, TLeft, TRight, TResult, TJoin>(
        KeyedStream<TKey, TLeft> left, KeyedStream<TKey, TRight> right, JoinWindows windows, TJoin join, string name,
        out JoinLateEvents<TLeft, TRight> lateEvents)
        where TKey : notnull
        where TJoin : IJoinResult<TLeft, TRight, TResult>
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        ArgumentNullException.ThrowIfNull(windows);
        lateEvents = new JoinLateEvents<TLeft, TRight>();
        return new(new TimeBoundedJoinOperator<TKey, TLeft, TRight, TResult, TJoin>(
            left.Source, left.KeySelector, right.Source, right.KeySelector,
            windows.BeforeMs, windows.AfterMs, windows.GraceMs, join, name,
            lateEvents.LeftObserver, lateEvents.RightObserver));
    }
}
