using System.Collections.Immutable;
using System.Reactive.Subjects;
using Cep.Engine.Operators;
using Cep.Engine.Windows;

namespace Cep.Engine.Patterns;

/// <summary>
/// A keyed stream with a compiled pattern, waiting for a <see cref="Select{TResult}"/>. Matches
/// are found per key in event-time order. Side outputs: partial matches whose window ended
/// (<see cref="TimedOut"/>), partial matches dropped by the per-key cap (<see cref="Pruned"/>)
/// and events that arrived at or below the watermark (<see cref="LateEvents"/>), never
/// silently dropped. The <c>With…</c> methods return a new pattern stream with its own side
/// outputs: configure first, then subscribe to the side outputs of the stream you select
/// from. Metrics: see the meter <c>Cep.Patterns</c> (instruments listed on PatternMetrics).
/// Not thread-safe (one task).
/// </summary>
public sealed class PatternStream<TKey, T>
    where TKey : notnull
{
    private readonly IObservable<StreamItem<T>> _source;
    private readonly Func<T, TKey> _keySelector;
    private readonly Nfa<T> _nfa;
    private readonly PatternOptions<TKey> _options;
    private readonly PatternProbe<TKey, T> _probe = new();
    private readonly Subject<StreamItem<LateEvent<T>>> _late = new();
    private readonly Subject<StreamItem<TimedOutMatch<TKey, T>>> _timedOut = new();
    private readonly Subject<StreamItem<PrunedMatch<TKey, T>>> _pruned = new();

    internal PatternStream(IObservable<StreamItem<T>> source, Func<T, TKey> keySelector, Nfa<T> nfa, PatternOptions<TKey> options)
    {
        _source = source;
        _keySelector = keySelector;
        _nfa = nfa;
        _options = options;
    }

    /// <summary>The name metrics are tagged with (<c>pattern</c>) and explain reports show; by default the pattern's text.</summary>
    public string Name => _options.Name;

    /// <summary>Partial matches whose <c>Within</c> window ended before they completed, with what they had bound, at the window's last instant.</summary>
    public Stream<TimedOutMatch<TKey, T>> TimedOut => new(_timedOut);

    /// <summary>Partial matches dropped because their key held more than <see cref="WithMaxPartialMatchesPerKey"/>, with what they had bound and the reason, at the time of the event that made room.</summary>
    public Stream<PrunedMatch<TKey, T>> Pruned => new(_pruned);

    /// <summary>Events whose time was at or below the watermark when they arrived, with the reason.</summary>
    public Stream<LateEvent<T>> LateEvents => new(_late);

    /// <summary>Names the pattern for its metrics tag and explain reports.</summary>
    public PatternStream<TKey, T> WithName(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return With(_options with { Name = name });
    }

    /// <summary>
    /// Bounds state: after each event, a key holding more than <paramref name="max"/> partial
    /// matches drops its oldest ones (earliest first event) to <see cref="Pruned"/> and counts
    /// them in <c>cep.pattern.pruned</c>, with a warning in the log (see <see cref="WithLogger"/>). Oldest rather than refusing the new one: a newer
    /// partial match has more of its window left, and refusing starts would let stale partial
    /// matches block the key (without Within, for ever). Dropping loses matches the pruned
    /// partial would have completed; that is the price of the bound, and it is reported.
    /// </summary>
    public PatternStream<TKey, T> WithMaxPartialMatchesPerKey(int max)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return With(_options with { MaxPartialMatchesPerKey = max });
    }

    /// <summary>Logs to <paramref name="logger"/> (by default where the running query logs): a warning when the partial-match cap drops partial matches, at most every 10 s.</summary>
    public PatternStream<TKey, T> WithLogger(Microsoft.Extensions.Logging.ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        return With(_options with { Logger = logger });
    }

    /// <summary>Keeps an explain trace for every key (for debugging: memory grows with keys × <paramref name="recentEvents"/>).</summary>
    public PatternStream<TKey, T> WithExplain(int recentEvents = PatternOptions<TKey>.DefaultTraceCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(recentEvents, 1);
        return With(_options with { ExplainAll = true, TraceCapacity = recentEvents });
    }

    /// <summary>Keeps an explain trace of the last <paramref name="recentEvents"/> events of each of <paramref name="keys"/> only.</summary>
    public PatternStream<TKey, T> WithExplain(IEnumerable<TKey> keys, int recentEvents = PatternOptions<TKey>.DefaultTraceCapacity)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentOutOfRangeException.ThrowIfLessThan(recentEvents, 1);
        return With(_options with { ExplainKeys = [.. keys], TraceCapacity = recentEvents });
    }

    /// <summary>
    /// "Why no match" for <paramref name="key"/> in the latest subscription of a
    /// <see cref="Select{TResult}"/> of this stream (also after it ended): its partial matches,
    /// and — when explain is enabled for the key — for each recent event, every condition it
    /// was tested against and whether it held. Reads the operator's state without a lock: call
    /// it on the operator's task thread (e.g. from a subscriber) or while the pipeline is idle.
    /// Throws if nothing was selected and subscribed yet.
    /// </summary>
    public PatternExplanation<TKey, T> Explain(TKey key)
    {
        var explainer = _probe.Explainer ?? throw new InvalidOperationException($"pattern '{Name}' is not running: Select from it and subscribe first");
        return explainer(key);
    }

    /// <summary>
    /// One result per match, from its events by step name (each step's events oldest first,
    /// steps in pattern order; a step that bound nothing is absent). The result's event time is
    /// the match's last event's; for a pattern ending in NotFollowedBy, the end of its window.
    /// </summary>
    public Stream<TResult> Select<TResult>(Func<IReadOnlyDictionary<string, IReadOnlyList<T>>, TResult> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        return new(new PatternOperator<TKey, T, TResult>(_source, _keySelector, _nfa, _options, selector, new PatternOutputs<TKey, T>(_late, _timedOut, _pruned, _probe)));
    }

    private PatternStream<TKey, T> With(PatternOptions<TKey> options) => new(_source, _keySelector, _nfa, options);
}
