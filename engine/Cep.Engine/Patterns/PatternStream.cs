using System.Reactive.Subjects;
using Cep.Engine.Operators;
using Cep.Engine.Windows;

namespace Cep.Engine.Patterns;

/// <summary>
/// A keyed stream with a compiled pattern, waiting for a <see cref="Select{TResult}"/>. Matches
/// are found per key in event-time order. Side outputs: partial matches whose window ended
/// (<see cref="TimedOut"/>) and events that arrived at or below the watermark
/// (<see cref="LateEvents"/>), never silently dropped. Not thread-safe (one task).
/// </summary>
public sealed class PatternStream<TKey, T>
    where TKey : notnull
{
    private readonly IObservable<StreamItem<T>> _source;
    private readonly Func<T, TKey> _keySelector;
    private readonly Nfa<T> _nfa;
    private readonly Subject<StreamItem<LateEvent<T>>> _late = new();
    private readonly Subject<StreamItem<TimedOutMatch<TKey, T>>> _timedOut = new();

    internal PatternStream(IObservable<StreamItem<T>> source, Func<T, TKey> keySelector, Nfa<T> nfa)
    {
        _source = source;
        _keySelector = keySelector;
        _nfa = nfa;
    }

    /// <summary>Partial matches whose <c>Within</c> window ended before they completed, with what they had bound, at the window's last instant.</summary>
    public Stream<TimedOutMatch<TKey, T>> TimedOut => new(_timedOut);

    /// <summary>Events whose time was at or below the watermark when they arrived, with the reason.</summary>
    public Stream<LateEvent<T>> LateEvents => new(_late);

    /// <summary>
    /// One result per match, from its events by step name (each step's events oldest first,
    /// steps in pattern order; a step that bound nothing is absent). The result's event time is
    /// the match's last event's; for a pattern ending in NotFollowedBy, the end of its window.
    /// </summary>
    public Stream<TResult> Select<TResult>(Func<IReadOnlyDictionary<string, IReadOnlyList<T>>, TResult> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new(new PatternOperator<TKey, T, TResult>(_source, _keySelector, _nfa, selector, _late, _timedOut));
    }
}
