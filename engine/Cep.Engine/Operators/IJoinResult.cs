namespace Cep.Engine.Operators;

/// <summary>
/// How a join kind (inner, left, outer) builds its results from the user's selector. The join
/// operators are generic over it so that the struct implementations inline: one operator
/// serves all kinds with no per-event branching on the kind or extra delegate hop.
/// Implementations are immutable; the user's selector runs on the join's task.
/// </summary>
internal interface IJoinResult<TLeft, TRight, TResult>
{
    /// <summary>Whether a left event without a match is emitted (once its window has closed).</summary>
    bool EmitsUnmatchedLeft { get; }

    /// <summary>Whether a right event without a match is emitted (once its window has closed).</summary>
    bool EmitsUnmatchedRight { get; }

    TResult Matched(TLeft left, TRight right);

    /// <summary>Only called when <see cref="EmitsUnmatchedLeft"/>.</summary>
    TResult LeftOnly(TLeft left);

    /// <summary>Only called when <see cref="EmitsUnmatchedRight"/>.</summary>
    TResult RightOnly(TRight right);
}
