namespace Cep.Engine.Operators;

/// <summary>Left join: matches, plus each unmatched left event with no right value. Immutable.</summary>
internal readonly struct LeftJoinResult<TLeft, TRight, TResult>(Func<TLeft, Optional<TRight>, TResult> selector) : IJoinResult<TLeft, TRight, TResult>
{
    public bool EmitsUnmatchedLeft => true;

    public bool EmitsUnmatchedRight => false;

    public TResult Matched(TLeft left, TRight right) => selector(left, new Optional<TRight>(right));

    public TResult LeftOnly(TLeft left) => selector(left, default);

    public TResult RightOnly(TRight right) => throw new InvalidOperationException("a left join emits no unmatched right events");
}
