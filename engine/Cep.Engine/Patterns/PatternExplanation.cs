using System.Text;

namespace Cep.Engine.Patterns;

/// <summary>
/// "Why no match" for one key: its partial matches now, and what its most recent events did
/// (<see cref="RecentEvents"/>, oldest first; empty unless explain was enabled for the key
/// when they were matched — <see cref="Traced"/>). <see cref="ToString"/> prints it for a
/// person. Immutable; a copy taken when asked.
/// </summary>
public sealed record PatternExplanation<TKey, T>(
    TKey Key,
    string Pattern,
    IReadOnlyList<PartialMatchSnapshot<T>> PartialMatches,
    IReadOnlyList<EventTrace<T>> RecentEvents,
    bool Traced)
{
    public override string ToString()
    {
        var text = new StringBuilder($"pattern {Pattern}, key {Key}\n");
        text.Append($"partial matches ({PartialMatches.Count}):\n");
        foreach (var partial in PartialMatches)
        {
            text.Append("  ").Append(partial).Append('\n');
        }
        if (!Traced)
        {
            return text.Append("recent events: not traced (enable with WithExplain)\n").ToString();
        }
        text.Append($"recent events ({RecentEvents.Count}):\n");
        foreach (var trace in RecentEvents)
        {
            text.Append("  ").Append(trace).Append('\n');
        }
        return text.ToString();
    }
}
