using Cep.Engine.Patterns;

namespace Cep.Engine.Tests.Patterns;

/// <summary>One step of a test pattern shape: which letters it accepts and how it is joined and quantified.</summary>
internal sealed record ShapeStep(string Name, string Letters, StepKind Kind, Contiguity Entry, int Min = 1, int Max = 1, bool Optional = false, bool Greedy = false, Contiguity Inner = Contiguity.Relaxed, string? UntilLetters = null)
{
    public bool Accepts(string e) => Letters.Contains(e[0]);

    /// <summary>The loop's stop condition holds for <paramref name="e"/>: the step may not take it, nor its loop skip it.</summary>
    public bool Stops(string e) => UntilLetters?.Contains(e[0]) ?? false;

    public bool Takes(string e) => Accepts(e) && !Stops(e);
}

/// <summary>
/// The reference for the NFA: enumerates every assignment of input events to steps and keeps
/// those the rules (stated on <see cref="Nfa{T}"/>) allow, read literally over the events
/// between two bound ones; then applies the skip strategy by its definition: matches in
/// emission order (end event, start event, events; under a skip strategy by start time
/// first), each discarded if an earlier emitted match ended when it had already started and
/// its bound lies past its start. Exponential, for
/// inputs of a few events. Simple (non-iterative) conditions only.
/// </summary>
internal sealed class BruteForceMatcher
{
    private readonly List<ShapeStep> _steps = [];
    private readonly List<List<ShapeStep>> _absencesBefore = [];
    private readonly List<ShapeStep> _trailing = [];
    private readonly long _window;
    private readonly AfterMatchSkipStrategy _skip;
    private List<(string Label, long Time)> _input = [];

    public BruteForceMatcher(IReadOnlyList<ShapeStep> shape, long window, AfterMatchSkipStrategy skip)
    {
        var pending = new List<ShapeStep>();
        foreach (var step in shape)
        {
            if (step.Kind == StepKind.Positive)
            {
                // The documented allowCombinations rule: a loop with combinations entered by FollowedBy chooses its first event freely.
                var entry = step.Inner == Contiguity.NonDeterministic && step.Entry == Contiguity.Relaxed ? Contiguity.NonDeterministic : step.Entry;
                _steps.Add(step with { Entry = entry });
                _absencesBefore.Add([.. pending]);
                pending.Clear();
            }
            else
            {
                pending.Add(step);
            }
        }
        _trailing.AddRange(pending);
        _window = window;
        _skip = skip;
    }

    public static Pattern<string> Build(IReadOnlyList<ShapeStep> shape, long window, AfterMatchSkipStrategy skip)
    {
        Pattern<string>? pattern = null;
        foreach (var step in shape)
        {
            pattern = pattern is null
                ? Pattern<string>.Begin(step.Name, skip)
                : (step.Kind, step.Entry) switch
                {
                    (StepKind.NotNext, _) => pattern.NotNext(step.Name),
                    (StepKind.NotFollowedBy, _) => pattern.NotFollowedBy(step.Name),
                    (_, Contiguity.Strict) => pattern.Next(step.Name),
                    (_, Contiguity.Relaxed) => pattern.FollowedBy(step.Name),
                    _ => pattern.FollowedByAny(step.Name),
                };
            pattern = pattern.Where(step.Accepts);
            if (step.Max == int.MaxValue)
            {
                pattern = step.Min == 1 ? pattern.OneOrMore() : pattern.TimesOrMore(step.Min);
            }
            else if (step.Max > 1)
            {
                pattern = pattern.Times(step.Min, step.Max);
            }
            pattern = step.Optional ? pattern.Optional() : pattern;
            pattern = step.Greedy ? pattern.Greedy() : pattern;
            pattern = step.Max > 1 && step.Inner == Contiguity.Strict ? pattern.Consecutive() : pattern;
            pattern = step.Max > 1 && step.Inner == Contiguity.NonDeterministic ? pattern.AllowCombinations() : pattern;
            pattern = step.UntilLetters is { } until ? pattern.Until(e => until.Contains(e[0])) : pattern;
        }
        return window == long.MaxValue ? pattern! : pattern!.Within(TimeSpan.FromMilliseconds(window));
    }

    /// <summary>The matches, formatted as <see cref="Format"/> does, in emission order.</summary>
    public List<string> Matches(List<(string Label, long Time)> input)
    {
        _input = input;
        var found = new List<List<(int Index, int Step)>>();
        for (int q = 0; q < input.Count; q++)
        {
            for (int j = 0; j < _steps.Count; j++)
            {
                if (_steps[j].Takes(input[q].Label))
                {
                    Extend([(q, j)], 1, found);
                }
                if (!_steps[j].Optional)
                {
                    break;
                }
            }
        }
        // Under a skip strategy a match waits while a partial match that started earlier in time
        // may still complete (Flink's rule), so matches go out by start time, then as without.
        bool holds = _skip.ToString() != "NoSkip";
        found.Sort((a, b) => holds && input[a[0].Index].Time != input[b[0].Index].Time
            ? input[a[0].Index].Time.CompareTo(input[b[0].Index].Time)
            : CompareEmission(a, b));
        var emitted = new List<List<(int Index, int Step)>>();
        var result = new List<string>();
        foreach (var match in found)
        {
            int start = match[0].Index;
            if (emitted.Any(e => start <= e[^1].Index && start < Bound(e)))
            {
                continue;
            }
            emitted.Add(match);
            result.Add(Format(match.Select(b => (_steps[b.Step].Name, input[b.Index].Label))));
        }
        return result;
    }

    public static string Format(IEnumerable<(string Step, string Label)> bindings) =>
        string.Join(" ", bindings.GroupBy(b => b.Step).Select(g => $"{g.Key}=[{string.Join(",", g.Select(b => b.Label))}]"));

    private void Extend(List<(int Index, int Step)> bound, int count, List<List<(int Index, int Step)>> found)
    {
        var (p, i) = bound[^1];
        var step = _steps[i];
        long start = _input[bound[0].Index].Time;
        if (count >= step.Min && _steps.Skip(i + 1).All(s => s.Optional) && TrailingAbsenceHolds(p, i, count, start))
        {
            found.Add(bound);
        }
        for (int q = p + 1; q < _input.Count && _input[q].Time - start < _window; q++)
        {
            string e = _input[q].Label;
            if (count < step.Max && step.Takes(e) && GapAllowed(p, q, step.Inner, step) && !Gap(p, q).Any(step.Stops))
            {
                Extend([.. bound, (q, i)], count + 1, found);
            }
            if (count < step.Min)
            {
                continue;
            }
            for (int j = i + 1; j < _steps.Count; j++)
            {
                if (_steps[j].Takes(e) && LeaveAllowed(p, q, i, count, j))
                {
                    Extend([.. bound, (q, j)], 1, found);
                }
                if (!_steps[j].Optional)
                {
                    break;
                }
            }
        }
    }

    private bool LeaveAllowed(int p, int q, int i, int count, int j)
    {
        var step = _steps[i];
        string first = _input[p + 1].Label;
        if (step.Greedy && count < step.Max && step.Takes(first))
        {
            return false;
        }
        foreach (var absence in _absencesBefore[i + 1])
        {
            if (absence.Kind == StepKind.NotNext ? absence.Accepts(first) : Gap(p, q).Any(absence.Accepts))
            {
                return false;
            }
        }
        return GapAllowed(p, q, _steps[j].Entry, _steps[j]);
    }

    private bool TrailingAbsenceHolds(int p, int i, int count, long start)
    {
        if (_trailing.Count == 0)
        {
            return true;
        }
        var inWindow = Enumerable.Range(p + 1, _input.Count - p - 1).Where(q => _input[q].Time - start < _window).Select(q => _input[q].Label).ToList();
        var step = _steps[i];
        if (inWindow.Count > 0 && step.Greedy && count < step.Max && step.Takes(inWindow[0]))
        {
            return false;
        }
        return !inWindow.Any(e => _trailing.Any(a => a.Accepts(e)));
    }

    private bool GapAllowed(int p, int q, Contiguity contiguity, ShapeStep taker) => contiguity switch
    {
        Contiguity.Strict => q == p + 1,
        Contiguity.Relaxed => !Gap(p, q).Any(taker.Takes), // an event the step would not take (its stop condition holds) may be skipped
        _ => true,
    };

    private IEnumerable<string> Gap(int p, int q) => Enumerable.Range(p + 1, q - p - 1).Select(g => _input[g].Label);

    private long Bound(List<(int Index, int Step)> match) => _skip.ToString() switch
    {
        "NoSkip" => long.MinValue,
        "SkipToNext" => match[0].Index + 1,
        "SkipPastLastEvent" => match[^1].Index + 1,
        _ => match.Where(b => _steps[b.Step].Name == _skip.StepName).Select(b => (long)b.Index).DefaultIfEmpty(long.MinValue)
            .Aggregate((a, b) => _skip.ToString().StartsWith("SkipToFirst", StringComparison.Ordinal) ? Math.Min(a, b) : Math.Max(a, b)),
    };

    private static int CompareEmission(List<(int Index, int Step)> a, List<(int Index, int Step)> b)
    {
        int c = (a[^1].Index, a[0].Index).CompareTo((b[^1].Index, b[0].Index));
        for (int k = 0; c == 0 && k < Math.Min(a.Count, b.Count); k++)
        {
            c = a[k].CompareTo(b[k]);
        }
        return c != 0 ? c : a.Count.CompareTo(b.Count);
    }
}
