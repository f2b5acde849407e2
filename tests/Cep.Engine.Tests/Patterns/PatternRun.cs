using Cep.Engine.Patterns;
using Cep.Engine.Windows;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests.Patterns;

/// <summary>Runs a pattern over named events ("a1", "c", "b2"…) of one key and prints matches as Flink's documentation does: {a b1}.</summary>
internal static class PatternRun
{
    /// <summary>
    /// Events of one key, in order, all at time 1 — as Flink's own CEP tests feed records
    /// without timestamps, which is what its documented tables show (with equal times, skip
    /// strategies hold no match back); the input completes, so everything is matched.
    /// </summary>
    public static List<string> Matches(Pattern<string> pattern, string input) =>
        Events(input.Split(' ').Select(e => E(e, 1)), s => s.KeyBy(_ => "k").Pattern(pattern).Select(Format))
            .Select(m => m.Value)
            .ToList();

    public static string Format(IReadOnlyDictionary<string, IReadOnlyList<string>> match) =>
        "{" + string.Join(" ", match.Values.SelectMany(v => v)) + "}";

    /// <summary>Runs keyed (key = the text before ':', value after) input items and returns matches, timeouts and late events as printed lines, in output order.</summary>
    public static (List<string> Matches, List<string> TimedOut, List<string> Late) Run(Pattern<string> pattern, IEnumerable<StreamItem<string>> input, bool complete = true)
    {
        var timedOut = new List<string>();
        var late = new List<string>();
        var (items, error, _) = Pipeline.Run(input, s =>
        {
            var matches = s.KeyBy(e => e.Split(':')[0]).Pattern(pattern);
            matches.TimedOut.Subscribe(i => { if (i.IsEvent) { timedOut.Add($"{i.Value.Key} {Format(i.Value.Events)}@{i.Timestamp}"); } });
            matches.LateEvents.Subscribe(i => { if (i.IsEvent) { late.Add($"{i.Value.Value}@{i.Timestamp}: {i.Value.Reason}"); } });
            return matches.Select(Format);
        }, complete);
        Assert.Null(error);
        return (items.Select(i => i.IsEvent ? $"{i.Value}@{i.Timestamp}" : i.ToString()).ToList(), timedOut, late);
    }

    public static bool Is(this string e, char name) => e.Length > 0 && char.ToLowerInvariant(e[0]) == name;
}
