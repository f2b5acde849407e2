using System.Reactive.Subjects;
using Cep.Engine.Windows;

namespace Cep.Engine.Joins;

/// <summary>
/// The late side output of a join: events that arrived further behind the watermark than the
/// join's grace allows, with the reason, one stream per input. They took no part in the join
/// (not matched, not buffered, not emitted unmatched); they are never dropped silently.
/// Not thread-safe (one task).
/// </summary>
public sealed class JoinLateEvents<TLeft, TRight>
{
    private readonly Subject<StreamItem<LateEvent<TLeft>>> _left = new();
    private readonly Subject<StreamItem<LateEvent<TRight>>> _right = new();

    internal JoinLateEvents()
    {
    }

    /// <summary>Late events of the left input.</summary>
    public Stream<LateEvent<TLeft>> Left => new(_left);

    /// <summary>Late events of the right input.</summary>
    public Stream<LateEvent<TRight>> Right => new(_right);

    internal IObserver<StreamItem<LateEvent<TLeft>>> LeftObserver => _left;

    internal IObserver<StreamItem<LateEvent<TRight>>> RightObserver => _right;
}
