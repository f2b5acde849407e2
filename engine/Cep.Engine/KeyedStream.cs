using Cep.Engine.Operators;
using Cep.Engine.Patterns;
using Cep.Engine.Windows;

namespace Cep.Engine;

/// <summary>
/// A stream grouped by key: what windows and other per-key operators take. The key selector
/// is kept rather than applied, so the per-key operator computes keys itself (one operator
/// less per event); subscribed as it is, it yields key/value pairs. Not thread-safe (built and
/// run by one task).
/// </summary>
public sealed class KeyedStream<TKey, T> : IObservable<StreamItem<Keyed<TKey, T>>>
    where TKey : notnull
{
    private readonly IObservable<StreamItem<T>> _source;
    private readonly Func<T, TKey> _keySelector;

    internal KeyedStream(IObservable<StreamItem<T>> source, Func<T, TKey> keySelector)
    {
        _source = source;
        _keySelector = keySelector;
    }

    /// <summary>The unkeyed events, for per-key operators that compute keys themselves.</summary>
    internal IObservable<StreamItem<T>> Source => _source;

    internal Func<T, TKey> KeySelector => _keySelector;

    public IDisposable Subscribe(IObserver<StreamItem<Keyed<TKey, T>>> observer) =>
        new KeyByOperator<T, TKey>(_source, _keySelector).Subscribe(observer);

    /// <summary>Groups the events of each key into time windows.</summary>
    public WindowedStream<TKey, T> Window(TimeWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new(_source, _keySelector, windows);
    }

    /// <summary>Groups the events of each key into sessions: runs of events each at most an inactivity gap after the previous one.</summary>
    public WindowedStream<TKey, T> Window(SessionWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new(_source, _keySelector, windows);
    }

    /// <summary>Groups the events of each key into sliding windows defined by time differences between events (Kafka Streams' SlidingWindows).</summary>
    public WindowedStream<TKey, T> Window(SlidingWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new(_source, _keySelector, windows);
    }

    /// <summary>Groups the events of each key into windows of a number of events, in arrival order.</summary>
    public WindowedStream<TKey, T> Window(CountWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new(_source, _keySelector, windows);
    }

    /// <summary>
    /// Detects <paramref name="pattern"/> in each key's events (complex event processing). The
    /// pattern is compiled here, so a malformed one throws <see cref="MalformedPatternException"/>
    /// while the query is built; one automaton serves every key.
    /// </summary>
    public PatternStream<TKey, T> Pattern(Pattern<T> pattern) => new(_source, _keySelector, NfaCompiler.Compile(pattern), PatternOptions<TKey>.Default(pattern.ToString()));

    /// <summary>
    /// Detects a pattern written as SQL's MATCH_RECOGNIZE does (see <see cref="Patterns.MatchRecognize"/>):
    /// <paramref name="pattern"/> is the PATTERN text (with WITHIN and AFTER MATCH SKIP),
    /// <paramref name="define"/> the conditions by variable, <paramref name="measures"/> the
    /// result of each match (its rows by variable, as <see cref="PatternStream{TKey, T}.Select{TResult}"/>
    /// gives them). A text that does not parse throws <see cref="MalformedPatternException"/>
    /// naming the column. For the side outputs, use <c>Pattern(MatchRecognize.Parse(…))</c>.
    /// </summary>
    public Stream<TResult> MatchRecognize<TResult>(string pattern, MatchDefinitions<T>? define, Func<IReadOnlyDictionary<string, IReadOnlyList<T>>, TResult> measures) =>
        Pattern(Patterns.MatchRecognize.Parse(pattern, define)).Select(measures);

    /// <summary>The keyed events as a plain stream of key/value pairs.</summary>
    public Stream<Keyed<TKey, T>> ToStream() => new(this);
}
