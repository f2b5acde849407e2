namespace Cep.Engine.Operators;

/// <summary>Inner join: only matches produce results. Immutable.</summary>
internal readonly struct InnerJoinResult<TLeft, TRight, TResult>(Func<TLeft, TRight, TResult> selector) : IJoinResult<TLeft, TRight, TResult>
{
    public bool EmitsUnmatchedLeft => false;

    public bool EmitsUnmatchedRight => false;

    public TResult Matched(TLeft left, TRight right) => selector(left, right);

    public TResult LeftOnly(TLeft left) => throw new InvalidOperationException("an inner join emits no unmatched events");

    public TResult RightOnly(TRight right) => throw new InvalidOperationException("an inner join emits no unmatched events");
}
