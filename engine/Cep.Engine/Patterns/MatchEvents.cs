using System.Diagnostics.CodeAnalysis;

namespace Cep.Engine.Patterns;

/// <summary>
/// A match's events by step name, as <c>Select</c> and the side outputs see them: the steps
/// that bound events, in pattern order, each with its events oldest first. One object and one
/// array per bound step instead of a dictionary and a list per step, because one is built for
/// every match; lookups scan the few step names. Immutable.
/// </summary>
internal sealed class MatchEvents<T> : IReadOnlyDictionary<string, IReadOnlyList<T>>
{
    // Parallel to the pattern's steps (shared, never written); null where a step bound nothing.
    private readonly string[] _names;
    private readonly T[]?[] _events;

    public MatchEvents(string[] names, T[]?[] events)
    {
        _names = names;
        _events = events;
        foreach (var e in events)
        {
            if (e is not null)
            {
                Count++;
            }
        }
    }

    public int Count { get; }

    public IEnumerable<string> Keys => this.Select(p => p.Key);

    public IEnumerable<IReadOnlyList<T>> Values => this.Select(p => p.Value);

    public IReadOnlyList<T> this[string key] => TryGetValue(key, out var events)
        ? events
        : throw new KeyNotFoundException($"the match has no events for step '{key}' (it has: {string.Join(", ", Keys)}); an optional step that bound nothing is absent");

    public bool ContainsKey(string key) => TryGetValue(key, out _);

    public bool TryGetValue(string key, [MaybeNullWhen(false)] out IReadOnlyList<T> value)
    {
        for (int i = 0; i < _names.Length; i++)
        {
            if (_events[i] is { } events && string.Equals(_names[i], key, StringComparison.Ordinal))
            {
                value = events;
                return true;
            }
        }
        value = null;
        return false;
    }

    public IEnumerator<KeyValuePair<string, IReadOnlyList<T>>> GetEnumerator()
    {
        for (int i = 0; i < _names.Length; i++)
        {
            if (_events[i] is { } events)
            {
                yield return new(_names[i], events);
            }
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => "{" + string.Join(", ", this.Select(p => $"{p.Key}: [{string.Join(", ", p.Value)}]")) + "}";
}
