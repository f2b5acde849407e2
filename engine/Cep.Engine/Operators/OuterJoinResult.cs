namespace Cep.Engine.Operators;

/// <summary>Outer join: matches, plus each unmatched event of either side with no value for the other. Immutable.</summary>
internal readonly struct OuterJoinResult<TLeft, TRight, TResult>(Func<Optional<TLeft>, Optional<TRight>, TResult> selector) : IJoinResult<TLeft, TRight, TResult>
{
    public bool EmitsUnmatchedLeft => true;

    public bool EmitsUnmatchedRight => true;

    public TResult Matched(TLeft left, TRight right) => selector(new Optional<TLeft>(left), new Optional<TRight>(right));

    public TResult LeftOnly(TLeft left) => selector(new Optional<TLeft>(left), default);

    public TResult RightOnly(TRight right) => selector(default, new Optional<TRight>(right));
}
