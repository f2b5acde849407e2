using Cep.Engine.Operators;
using Cep.Engine.Patterns;

namespace Cep.Engine;

/// <summary>
/// A stream of events of type <typeparamref name="T"/> with event times and watermarks: the
/// DSL's main type. Every method returns a new stream and builds the operator graph; nothing
/// runs until the graph is subscribed (by the runtime, or by you: it is an
/// <see cref="IObservable{T}"/> of <see cref="StreamItem{T}"/>). Query syntax works:
/// <c>from o in orders where o.Amount &gt; 100 select o.Id</c>.
/// Not thread-safe: a graph is built and run by one task.
/// </summary>
public sealed class Stream<T> : IObservable<StreamItem<T>>
{
    private readonly IObservable<StreamItem<T>> _items;

    internal Stream(IObservable<StreamItem<T>> items)
    {
        _items = items;
    }

    public IDisposable Subscribe(IObserver<StreamItem<T>> observer) => _items.Subscribe(observer);

    /// <summary>Keeps the events <paramref name="predicate"/> accepts.</summary>
    public Stream<T> Where(Func<T, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new(new WhereOperator<T>(_items, predicate));
    }

    /// <summary>Maps each event's value; time and origin stay.</summary>
    public Stream<TOut> Select<TOut>(Func<T, TOut> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new(new SelectOperator<T, TOut>(_items, selector));
    }

    /// <summary>Maps each event to zero or more values, each an event at the input's time.</summary>
    public Stream<TOut> SelectMany<TOut>(Func<T, IEnumerable<TOut>> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new(new SelectManyOperator<T, TOut, TOut>(_items, selector, static (_, element) => element));
    }

    /// <summary>The query-syntax form of <see cref="SelectMany{TOut}(Func{T, IEnumerable{TOut}})"/>.</summary>
    public Stream<TOut> SelectMany<TCollection, TOut>(Func<T, IEnumerable<TCollection>> collectionSelector, Func<T, TCollection, TOut> resultSelector)
    {
        ArgumentNullException.ThrowIfNull(collectionSelector);
        ArgumentNullException.ThrowIfNull(resultSelector);
        return new(new SelectManyOperator<T, TCollection, TOut>(_items, collectionSelector, resultSelector));
    }

    /// <summary>Groups by a key, for windows and other per-key operators.</summary>
    public KeyedStream<TKey, T> KeyBy<TKey>(Func<T, TKey> keySelector)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        return new(_items, keySelector);
    }

    /// <summary>
    /// Detects <paramref name="pattern"/> over the whole stream, as one key (for per-key
    /// matching, <c>KeyBy(…).Pattern(…)</c>). Compiled here: a malformed pattern throws
    /// <see cref="MalformedPatternException"/> while the query is built.
    /// </summary>
    public PatternStream<byte, T> Pattern(Pattern<T> pattern) => new(_items, static _ => 0, NfaCompiler.Compile(pattern), PatternOptions<byte>.Default(pattern.ToString()));

    /// <summary>Merges this stream with others; the watermark is the minimum of theirs.</summary>
    public Stream<T> Merge(params Stream<T>[] others)
    {
        ArgumentNullException.ThrowIfNull(others);
        return new(new MergeOperator<T>([_items, .. others.Select(o => o._items)]));
    }

    /// <summary>The event values as a plain Rx observable (punctuations dropped).</summary>
    public IObservable<T> ToObservable() => new EventValuesObservable<T>(_items);
}
