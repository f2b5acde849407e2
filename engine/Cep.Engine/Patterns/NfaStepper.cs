namespace Cep.Engine.Patterns;

/// <summary>
/// The transitions of one event over one key's partial matches: the body of
/// <see cref="Nfa{T}.Process"/>. Every state it adds to <see cref="Next"/> and every match it
/// adds to the completed list holds its own node reference, so <see cref="Undo"/> can release
/// exactly what it created — except the first state kept from a partial match, which takes
/// over that partial match's own reference (see <see cref="Advance"/>). Lives for one call, on
/// the task thread; a struct, so processing an event allocates no stepper.
/// </summary>
internal struct NfaStepper<T>(Nfa<T> nfa, SharedBuffer<T> buffer, StreamItem<T> item, int eventSlot, PatternContext<T> context, List<ComputationState> next, List<PendingMatch> completed, ConditionRecorder<T>? recorder)
{
    private readonly int _completedBefore = completed.Count;

    // Whether the partial match being advanced has handed its own reference to a kept state.
    private bool _handedOver;

    public List<ComputationState> Next => next;

    public int EventSlot => eventSlot;

    /// <summary>
    /// Carries <paramref name="s"/> into the next state unchanged (expired: AdvanceTime removes
    /// it; the operator advances time first). Returns true: it took over the partial match's
    /// reference.
    /// </summary>
    public bool Carry(in ComputationState s)
    {
        next.Add(s);
        return true;
    }

    /// <summary>
    /// Extends partial match <paramref name="s"/> with the event in every way the rules allow.
    /// Returns whether a kept state took over the partial match's own reference: then the
    /// caller must not release it (and must retain it again before an <see cref="Undo"/>).
    /// Handing it over instead of retaining and releasing is what leaves a partial match that
    /// only waits untouched in the buffer: its node is not read, so it costs no cache miss.
    /// </summary>
    /// <summary>Whether the partial match advanced last has handed over its reference (so far, if its advance threw).</summary>
    public readonly bool HandedOver => _handedOver;

    public bool Advance(in ComputationState s)
    {
        _handedOver = false;
        AdvanceCore(s);
        return _handedOver;
    }

    private void AdvanceCore(in ComputationState s)
    {
        var steps = nfa.Steps;
        var current = steps[s.Step];
        context.Set(buffer, s.Node, item.Timestamp);
        recorder?.Extending(buffer, s.Node);
        bool canLoop = s.Count < current.Max && (s.Fresh || s.Waiting == s.Step) && !Stops(current);
        bool loopTakes = canLoop && Test(current);
        if (loopTakes)
        {
            Take(s, s.Step, s.Count + 1);
        }
        if (canLoop && Skips(current.Inner, loopTakes))
        {
            Keep(s.Skipping(s.Step));
        }
        if (s.Count < current.Min || s.Waiting == s.Step || (current.Greedy && s.Fresh && loopTakes))
        {
            return; // cannot leave the loop (yet, on this branch, or on this event if greedy)
        }
        int target = s.Step + 1;
        var absences = target < steps.Length ? steps[target].AbsencesBefore : nfa.Trailing;
        bool skipForbidden = false;
        foreach (var absence in absences)
        {
            if ((absence.Strict && s.Fresh) || !absence.Strict)
            {
                if (Test(absence.Name, absence.Condition, absence.Description, absence: true))
                {
                    if (absence.Strict)
                    {
                        return; // NotNext: the first event after the step must not match
                    }
                    skipForbidden = true; // NotFollowedBy: it must not be skipped over
                }
            }
        }
        for (int j = target; j <= steps.Length; j++)
        {
            if (j == steps.Length)
            {
                if (nfa.Trailing.Length > 0 && !skipForbidden && (s.Fresh || s.Waiting == j))
                {
                    Keep(s.Skipping(j)); // the trailing absence holds so far
                }
                break;
            }
            var candidate = steps[j];
            if (s.Fresh || s.Waiting == j)
            {
                bool takes = Takes(candidate);
                if (takes)
                {
                    Take(s, j, 1);
                }
                if (!skipForbidden && Skips(candidate.Entry, takes))
                {
                    Keep(s.Skipping(j));
                }
            }
            if (!candidate.Optional)
            {
                break;
            }
        }
    }

    /// <summary>The event as the first of a new partial match.</summary>
    public void Start(long sequence)
    {
        context.Set(buffer, -1, item.Timestamp);
        recorder?.Extending(buffer, -1);
        var origin = new ComputationState(-1, 0, -1, -1, item.Timestamp, sequence);
        foreach (var step in nfa.Steps)
        {
            if (Takes(step))
            {
                Take(origin, step.Index, 1);
            }
            if (!step.Optional)
            {
                break;
            }
        }
    }

    /// <summary>Carries a copy of the partial match being advanced (same node) into the next state: the first copy takes over its reference, later ones retain.</summary>
    private void Keep(in ComputationState s)
    {
        if (_handedOver)
        {
            buffer.Retain(s.Node);
        }
        _handedOver = true;
        next.Add(s);
    }

    /// <summary>Drops everything this event created, after a condition threw (the caller first retains what was handed over).</summary>
    public void Undo()
    {
        foreach (var s in next)
        {
            buffer.Release(s.Node);
        }
        next.Clear();
        for (int i = _completedBefore; i < completed.Count; i++)
        {
            buffer.Release(completed[i].Node);
        }
        completed.RemoveRange(_completedBefore, completed.Count - _completedBefore);
        buffer.ReleaseEventIfUnused(eventSlot);
    }

    private void Take(in ComputationState s, int step, int count)
    {
        int node = buffer.AddNode(eventSlot, step, s.Node);
        var taken = new ComputationState(step, count, -1, node, s.StartTimestamp, s.StartSequence);
        var definition = nfa.Steps[step];
        if (nfa.Trailing.Length == 0 && nfa.IsAccepting(step, count))
        {
            buffer.Retain(node);
            completed.Add(new PendingMatch(node, s.StartSequence, item.Timestamp, s.StartTimestamp));
        }
        if (count < definition.Max || step < nfa.Steps.Length - 1 || nfa.Trailing.Length > 0)
        {
            next.Add(taken);
        }
        else
        {
            buffer.Release(node); // nothing can follow: the match (if any) holds its own reference
        }
    }

    private static bool Skips(Contiguity contiguity, bool taken) => contiguity switch
    {
        Contiguity.Strict => false,
        Contiguity.Relaxed => !taken,
        Contiguity.NonDeterministic => true,
        _ => throw new InvalidOperationException($"unknown contiguity {contiguity}"),
    };

    private bool Test(NfaStep<T> step) => Test(step.Name, step.Condition, step.Description, absence: false);

    /// <summary>The event may enter <paramref name="step"/>: its condition holds and its stop condition does not.</summary>
    private bool Takes(NfaStep<T> step) => !Stops(step) && Test(step);

    /// <summary>The event satisfies the step's stop condition (recorded like an absence: it must fail for the step to go on).</summary>
    private bool Stops(NfaStep<T> step) => step.Until is { } until && Test(step.Name, until, "until " + step.UntilDescription, absence: true);

    private bool Test(string stepName, Func<T, PatternContext<T>, bool> condition, string description, bool absence)
    {
        bool passed;
        try
        {
            passed = condition(item.Value, context);
        }
        catch (Exception e)
        {
            throw new PatternConditionException(stepName, e);
        }
        recorder?.Record(stepName, description, passed, absence);
        return passed;
    }
}
