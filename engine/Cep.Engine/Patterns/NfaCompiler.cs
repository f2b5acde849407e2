namespace Cep.Engine.Patterns;

/// <summary>
/// Checks a <see cref="Pattern{T}"/> as a whole and compiles it into an <see cref="Nfa{T}"/>.
/// Every fault throws <see cref="MalformedPatternException"/> naming the step, so a bad
/// pattern fails when the query is built, not when the first event arrives.
/// </summary>
internal static class NfaCompiler
{
    public static Nfa<T> Compile<T>(Pattern<T> pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var specs = pattern.Steps;
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            if (!names.Add(spec.Name))
            {
                throw new MalformedPatternException(spec.Name, "the name is used by more than one step");
            }
        }

        var steps = new List<NfaStep<T>>();
        var absences = new List<Absence<T>>();
        StepSpec<T>? previousPositive = null;
        foreach (var spec in specs)
        {
            var condition = spec.Condition ?? AcceptAll<T>;
            if (spec.Kind != StepKind.Positive)
            {
                if (previousPositive is { Optional: true })
                {
                    throw new MalformedPatternException(spec.Name, $"an absence cannot follow an optional step ('{previousPositive.Name}'): whether it applies would depend on whether that step bound anything");
                }
                absences.Add(new Absence<T>(spec.Name, spec.Kind == StepKind.NotNext, condition, spec.Description));
                continue;
            }
            // Documented Flink behaviour (allowCombinations example): a loop with combinations
            // entered by FollowedBy chooses its first event freely too.
            var entry = spec.Inner == Contiguity.NonDeterministic && spec.Entry == Contiguity.Relaxed ? Contiguity.NonDeterministic : spec.Entry;
            steps.Add(new NfaStep<T>(spec.Name, steps.Count, condition, spec.Min, spec.Max, spec.Optional, spec.Greedy, entry, spec.Inner, [.. absences], spec.Description, spec.Until, spec.UntilDescription));
            absences.Clear();
            previousPositive = spec;
        }

        var last = specs[^1];
        var lastPositive = steps[^1];
        if (absences.Count > 0)
        {
            if (absences.Exists(a => a.Strict))
            {
                throw new MalformedPatternException(absences.First(a => a.Strict).Name, "a pattern cannot end with NotNext (use NotFollowedBy with Within)");
            }
            if (pattern.Window is null)
            {
                throw new MalformedPatternException(last.Name, "a pattern ending with NotFollowedBy needs Within: without a window the absence could never be confirmed");
            }
        }
        else if (lastPositive.Greedy)
        {
            throw new MalformedPatternException(lastPositive.Name, "Greedy on the last step has no following step to be greedy against");
        }
        if (steps.TrueForAll(s => s.Optional))
        {
            throw new MalformedPatternException(steps[0].Name, "every step is optional, so the pattern would match no events");
        }

        var skip = pattern.SkipStrategy;
        int skipStep = -1;
        if (skip.StepName is { } target)
        {
            skipStep = steps.FindIndex(s => s.Name == target);
            if (skipStep < 0)
            {
                throw new MalformedPatternException(target, $"{skip} names a step the pattern does not have (or an absence step, which binds no events)");
            }
        }

        long windowMs = pattern.Window is { } w ? (long)Math.Ceiling(w.TotalMilliseconds) : long.MaxValue;
        return new Nfa<T>([.. steps], [.. absences], windowMs, skip.Kind, skipStep, [.. specs.Select(s => s.Name)]);
    }

    private static bool AcceptAll<T>(T value, PatternContext<T> context) => true;
}
