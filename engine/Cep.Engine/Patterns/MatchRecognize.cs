namespace Cep.Engine.Patterns;

/// <summary>
/// Patterns written as the PATTERN part of SQL's MATCH_RECOGNIZE (Flink SQL's subset), compiled
/// to the same automaton as the fluent <see cref="Pattern{T}"/>:
/// <code>
/// [AFTER MATCH SKIP …] PATTERN (A B+ C?) [WITHIN 10m] [AFTER MATCH SKIP …]
/// </code>
/// <list type="bullet">
/// <item>Variables follow one another strictly (rows are consecutive: <see cref="Pattern{T}.Next"/>), and so do a loop's rows (<see cref="Pattern{T}.Consecutive"/>).</item>
/// <item>Quantifiers: <c>*</c> (OneOrMore().Optional()), <c>+</c> (OneOrMore), <c>?</c> (Optional),
/// <c>{n}</c> (Times(n)), <c>{n,}</c> (TimesOrMore(n)), <c>{n,m}</c> (Times(n, m)), <c>{,m}</c> and
/// <c>{0,m}</c> (Times(1, m).Optional()); n = 0 makes the variable optional.</item>
/// <item>Greedy by default, as in SQL: a variable whose row count may vary gets
/// <see cref="Pattern{T}.Greedy"/>; a trailing <c>?</c> (<c>B+?</c>) makes it reluctant: no Greedy,
/// so each count it allows makes its own match. The last variable is never greedy: a match
/// cannot wait for rows that may never come, so it ends on the first row that completes it,
/// as if reluctant (Flink SQL rejects a greedy last variable instead). <c>?</c> and <c>{n}</c>
/// have no greediness (an optional variable is tried both with and without its row); the
/// reluctant optional <c>??</c> is rejected, as in Flink SQL.</item>
/// <item>WITHIN: <c>10m</c>, <c>5s</c>, <c>250ms</c>, <c>1h</c>, <c>2d</c> or <c>INTERVAL '10' MINUTE</c>
/// (SECOND, MINUTE, HOUR, DAY); a match's last row comes at most this after its first.</item>
/// <item>AFTER MATCH SKIP PAST LAST ROW | TO NEXT ROW | TO FIRST v | TO LAST v | TO v (= TO LAST v).
/// Without the clause: SKIP PAST LAST ROW, the SQL standard's default (and Calcite's documented
/// one), which is what Flink's documentation examples without the clause show ("Output Mode").</item>
/// </list>
/// Keywords are case-insensitive, variable names case-sensitive. A text that does not parse,
/// a DEFINE for a variable the pattern lacks, and every fault the compiled pattern would have
/// throw <see cref="MalformedPatternException"/> here, with the column in the text.
/// </summary>
public static class MatchRecognize
{
    /// <summary>
    /// The pattern <paramref name="text"/> describes, each variable with its condition from
    /// <paramref name="define"/> (none: every row). Use it as any pattern, e.g.
    /// <c>keyed.Pattern(MatchRecognize.Parse(text, define)).Select(measures)</c>.
    /// </summary>
    public static Pattern<T> Parse<T>(string text, MatchDefinitions<T>? define = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parsed = MatchRecognizeParser.Parse(text);
        var variables = parsed.Variables;
        define ??= [];
        foreach (string name in define)
        {
            if (!variables.Any(v => v.Name == name))
            {
                throw new MalformedPatternException(name, $"DEFINE has a condition for a variable the pattern does not have (variables: {string.Join(", ", variables.Select(v => v.Name))})", text, parsed.VariablesColumn);
            }
        }

        Pattern<T>? pattern = null;
        foreach (var variable in variables)
        {
            try
            {
                pattern = pattern is null ? Pattern<T>.Begin(variable.Name) : pattern.Next(variable.Name);
                if (define.TryGet(variable.Name, out var condition, out string description))
                {
                    pattern = pattern.Where(condition, description);
                }
                pattern = Quantify(pattern, variable, last: variable == variables[^1]);
            }
            catch (MalformedPatternException e) when (e.Column is null)
            {
                throw new MalformedPatternException(e.StepName, e.Reason, text, variable.Column, e);
            }
        }
        pattern = pattern!.WithSkipStrategy(parsed.Skip);
        if (parsed.Window is { } window)
        {
            // WITHIN bounds the time a match spans, end included: a match may span exactly the
            // interval (the documentation's time-constraint example). A pattern's window
            // excludes its end (last − first < window), hence one millisecond more.
            pattern = pattern.Within(window + TimeSpan.FromMilliseconds(1));
        }

        // The checks of the whole pattern run when it is compiled; running them now lets their
        // faults name the column, which the compiled pattern no longer knows.
        try
        {
            NfaCompiler.Compile(pattern);
        }
        catch (MalformedPatternException e) when (e.Column is null)
        {
            int column = variables.FirstOrDefault(v => v.Name == e.StepName)?.Column ?? parsed.VariablesColumn;
            throw new MalformedPatternException(e.StepName, e.Reason, text, column, e);
        }
        return pattern;
    }

    private static Pattern<T> Quantify<T>(Pattern<T> pattern, PatternVariable variable, bool last)
    {
        var (min, max) = (variable.Min, variable.Max);
        if (max > 1)
        {
            pattern = (min == max, max == int.MaxValue, min == 1) switch
            {
                (true, _, _) => pattern.Times(min),
                (_, true, true) => pattern.OneOrMore(),
                (_, true, false) => pattern.TimesOrMore(min),
                _ => pattern.Times(min, max),
            };
        }
        if (variable.Optional)
        {
            pattern = pattern.Optional();
        }
        if (max > 1)
        {
            pattern = pattern.Consecutive();
        }
        if (max > min && !variable.Reluctant && !last)
        {
            pattern = pattern.Greedy();
        }
        return pattern;
    }
}
