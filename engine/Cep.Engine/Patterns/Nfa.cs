using Cep.Engine.Operators;

namespace Cep.Engine.Patterns;

/// <summary>
/// A compiled pattern: immutable and shared by every key (Flink's NFA); a key's matching state
/// is a separate <see cref="NfaState{T}"/>. Time is a separate call, as in Flink:
/// <see cref="Process"/> only matches one event, <see cref="AdvanceTime"/> only expires partial
/// matches (timeouts, confirmed absences). Matches come back as <see cref="PendingMatch"/>es so
/// <see cref="Emit"/> can apply the skip strategy to them in order.
/// <para>
/// The rules, for a match e1 … en (each bound to a step, steps in order, each step's count in
/// its range, skipped steps optional) and the events G between two consecutive ones ek, ek+1:
/// <list type="bullet">
/// <item>ek+1 in the same step as ek (a loop): strict — G empty; relaxed — nothing in G passes
/// the loop's condition; non-deterministic — anything.</item>
/// <item>ek+1 in a later step j: the same three rules with step j's entry contiguity and
/// condition; a NotNext between them rejects the first event after ek, a NotFollowedBy every
/// event of G; a greedy loop cannot be left on an event it would take (unless full).</item>
/// <item>Within: en − e1 &lt; the window. A trailing NotFollowedBy: no event after en within
/// the window passes it; the match is emitted when the window has passed.</item>
/// </list>
/// Conditions see the match as bound up to ek. The state machine below commits each branch on
/// the first event it skips (see <see cref="ComputationState"/>), which enforces exactly these
/// rules with every match found once; the property tests compare it with a literal enumeration.
/// </para>
/// Thread-safe (immutable); the state and context passed in are the caller's.
/// </summary>
internal sealed class Nfa<T>
{
    private readonly NfaStep<T>[] _steps;
    private readonly Absence<T>[] _trailing;

    private readonly bool[] _optionalAfter;
    private readonly AfterMatchSkipKind _skip;
    private readonly int _skipStep;
    private readonly Dictionary<string, int> _stepIndex = new(StringComparer.Ordinal);

    public Nfa(NfaStep<T>[] steps, Absence<T>[] trailing, long windowMs, AfterMatchSkipKind skip, int skipStep, string[] allNames)
    {
        _steps = steps;
        _trailing = trailing;
        WindowMs = windowMs;
        _skip = skip;
        _skipStep = skipStep;
        _optionalAfter = new bool[steps.Length];
        bool allOptional = true;
        for (int i = steps.Length - 1; i >= 0; i--)
        {
            _optionalAfter[i] = allOptional;
            allOptional &= steps[i].Optional;
        }
        foreach (string name in allNames)
        {
            _stepIndex[name] = -1; // absence steps bind nothing: their names read as empty
        }
        foreach (var step in steps)
        {
            _stepIndex[step.Name] = step.Index;
        }
    }

    public NfaStep<T>[] Steps => _steps;

    /// <summary>The NotFollowedBy steps after the last positive step (a pending absence at the end).</summary>
    public Absence<T>[] Trailing => _trailing;

    /// <summary>The window in milliseconds; long.MaxValue for none.</summary>
    public long WindowMs { get; }

    public bool HasWindow => WindowMs != long.MaxValue;

    public PatternContext<T> CreateContext() => new(_stepIndex);

    /// <summary>The last instant a partial match started at <paramref name="startTimestamp"/> may still take an event.</summary>
    public long Deadline(long startTimestamp) => HasWindow ? TimeMath.Add(startTimestamp, WindowMs - 1) : long.MaxValue;

    public long EarliestDeadline(NfaState<T> state)
    {
        long earliest = long.MaxValue;
        foreach (var s in state.Partials)
        {
            earliest = Math.Min(earliest, Deadline(s.StartTimestamp));
        }
        return earliest;
    }

    /// <summary>
    /// Matches one event (the key's next in event-time order) against every partial match and
    /// as a possible start. Completed matches are appended to <paramref name="completed"/>.
    /// If a condition throws, the state is left as it was (the event is skipped for this key)
    /// and a <see cref="PatternConditionException"/> propagates. <paramref name="spare"/> is an
    /// empty list to build the next partial matches in; on return it is another empty list.
    /// </summary>
    public void Process(NfaState<T> state, in StreamItem<T> item, PatternContext<T> context, ref List<ComputationState> spare, List<PendingMatch> completed, ConditionRecorder<T>? recorder = null)
    {
        var buffer = state.Buffer;
        long sequence = state.NextSequence++;
        var step = new NfaStepper<T>(this, buffer, item, buffer.AddEvent(item, sequence), context, spare, completed, recorder);
        try
        {
            foreach (var s in state.Partials)
            {
                if (item.Timestamp > Deadline(s.StartTimestamp))
                {
                    step.Keep(s); // expired; AdvanceTime removes it (the operator advances time first)
                    continue;
                }
                step.Advance(s);
            }
            step.Start(sequence);
        }
        catch
        {
            step.Undo();
            state.NextSequence--;
            throw;
        }
        foreach (var s in state.Partials)
        {
            buffer.Release(s.Node);
        }
        spare = state.Partials;
        spare.Clear();
        state.Partials = step.Next;
        buffer.ReleaseEventIfUnused(step.EventSlot);
    }

    /// <summary>
    /// Removes the partial matches whose window ended at or before <paramref name="time"/>: a
    /// pending trailing absence becomes a match (at its deadline), a partial match that could
    /// not complete becomes a timeout (its last binding and deadline go to
    /// <paramref name="timedOut"/>, holding one reference). A partial match whose match was
    /// already emitted (a loop past its minimum) goes silently.
    /// </summary>
    public void AdvanceTime(NfaState<T> state, long time, List<PendingMatch> completed, List<PendingMatch> timedOut)
    {
        if (!HasWindow)
        {
            return;
        }
        var buffer = state.Buffer;
        state.Partials.RemoveAll(s =>
        {
            long deadline = Deadline(s.StartTimestamp);
            if (deadline > time)
            {
                return false;
            }
            if (IsPendingAbsence(s))
            {
                completed.Add(new PendingMatch(s.Node, s.StartSequence, deadline));
            }
            else if (IsAccepting(s.Step, s.Count))
            {
                buffer.Release(s.Node);
            }
            else
            {
                timedOut.Add(new PendingMatch(s.Node, s.StartSequence, deadline));
            }
            return true;
        });
        timedOut.Sort(static (a, b) => (a.Timestamp, a.StartSequence).CompareTo((b.Timestamp, b.StartSequence)));
    }

    /// <summary>
    /// Emits completed matches in order — by time, then earliest start, then by their events'
    /// sequence numbers — applying the skip strategy after each: it discards the partial
    /// matches and the not yet emitted matches that started before its bound. Releases every
    /// match's reference; <paramref name="emitted"/> receives the ones to emit.
    /// </summary>
    public void Emit(NfaState<T> state, List<PendingMatch> completed, List<MatchResult<T>> emitted)
    {
        if (completed.Count == 0)
        {
            return;
        }
        var buffer = state.Buffer;
        var ordered = completed.Select(m => (Match: m, Path: buffer.Path(m.Node))).ToList();
        if (ordered.Count > 1)
        {
            ordered.Sort((a, b) => Compare(buffer, a, b));
        }
        long bound = long.MinValue;
        foreach (var (match, path) in ordered)
        {
            if (match.StartSequence >= bound)
            {
                emitted.Add(Materialize(buffer, path, match.Timestamp));
                long next = SkipBound(buffer, path);
                if (next > bound)
                {
                    bound = next;
                    state.Partials.RemoveAll(s =>
                    {
                        bool pruned = s.StartSequence < next;
                        if (pruned)
                        {
                            buffer.Release(s.Node);
                        }
                        return pruned;
                    });
                }
            }
            buffer.Release(match.Node);
        }
        completed.Clear();
    }

    /// <summary>
    /// Drops the oldest partial matches of the key until at most <paramref name="max"/> remain;
    /// each dropped one goes to <paramref name="pruned"/> holding its reference. Oldest, not
    /// newest: <see cref="NfaState{T}.Partials"/> is in start order, and a newer partial match
    /// has more of its window left to complete in, while refusing new starts would let stale
    /// ones (without Within: forever) block a key from ever matching again.
    /// </summary>
    public void Prune(NfaState<T> state, int max, List<PendingMatch> pruned)
    {
        int excess = state.Partials.Count - max;
        if (excess <= 0)
        {
            return;
        }
        for (int i = 0; i < excess; i++)
        {
            var s = state.Partials[i];
            pruned.Add(new PendingMatch(s.Node, s.StartSequence, s.StartTimestamp));
        }
        state.Partials.RemoveRange(0, excess);
    }

    /// <summary>The steps that may take the next event of partial match <paramref name="s"/>, by name ("window end" for a pending trailing absence); for explain reports.</summary>
    public List<string> Expecting(in ComputationState s)
    {
        var expecting = new List<string>();
        if (!s.Fresh)
        {
            expecting.Add(s.Waiting < _steps.Length ? _steps[s.Waiting].Name : "window end (absence pending)");
            return expecting;
        }
        var current = _steps[s.Step];
        if (s.Count < current.Max)
        {
            expecting.Add(current.Name);
        }
        if (s.Count < current.Min)
        {
            return expecting;
        }
        for (int j = s.Step + 1; j <= _steps.Length; j++)
        {
            if (j == _steps.Length)
            {
                expecting.Add(_trailing.Length > 0 ? "window end (absence pending)" : "nothing (complete)");
                break;
            }
            expecting.Add(_steps[j].Name);
            if (!_steps[j].Optional)
            {
                break;
            }
        }
        return expecting;
    }

    /// <summary>A copy of partial match <paramref name="s"/> for explain reports.</summary>
    public PartialMatchSnapshot<T> Snapshot(SharedBuffer<T> buffer, in ComputationState s) => new(
        [.. buffer.Path(s.Node).Select(n => new BoundEvent<T>(_steps[buffer.Step(n)].Name, buffer.Value(n), buffer.Timestamp(n)))],
        Expecting(s),
        HasWindow ? Deadline(s.StartTimestamp) : null);

    /// <summary>A match's events by step name, in step order; releases nothing.</summary>
    public MatchResult<T> Materialize(SharedBuffer<T> buffer, int[] path, long timestamp)
    {
        var events = new Dictionary<string, IReadOnlyList<T>>(StringComparer.Ordinal);
        List<T>? current = null;
        int currentStep = -1;
        foreach (int node in path)
        {
            int step = buffer.Step(node);
            if (step != currentStep)
            {
                current = [];
                currentStep = step;
                events.Add(_steps[step].Name, current);
            }
            current!.Add(buffer.Value(node));
        }
        int last = path[^1];
        return new MatchResult<T>(events, timestamp, StreamItem<T>.Event(buffer.Value(last), buffer.Timestamp(last), buffer.Origin(last)));
    }

    /// <summary>A partial match at this step and count is a match: the step has its minimum and every later step is optional.</summary>
    public bool IsAccepting(int step, int count) => count >= _steps[step].Min && _optionalAfter[step];

    private bool IsPendingAbsence(in ComputationState s) =>
        _trailing.Length > 0 && IsAccepting(s.Step, s.Count) && (s.Fresh || s.Waiting == _steps.Length);

    /// <summary>Partial matches that started before this sequence number are discarded after the match on <paramref name="path"/>.</summary>
    private long SkipBound(SharedBuffer<T> buffer, int[] path)
    {
        switch (_skip)
        {
            case AfterMatchSkipKind.NoSkip:
                return long.MinValue;
            case AfterMatchSkipKind.SkipToNext:
                return buffer.Sequence(path[0]) + 1;
            case AfterMatchSkipKind.SkipPastLastEvent:
                return buffer.Sequence(path[^1]) + 1;
            case AfterMatchSkipKind.SkipToFirst:
                foreach (int node in path)
                {
                    if (buffer.Step(node) == _skipStep)
                    {
                        return buffer.Sequence(node);
                    }
                }
                return long.MinValue;
            case AfterMatchSkipKind.SkipToLast:
                for (int i = path.Length - 1; i >= 0; i--)
                {
                    if (buffer.Step(path[i]) == _skipStep)
                    {
                        return buffer.Sequence(path[i]);
                    }
                }
                return long.MinValue;
            default:
                throw new InvalidOperationException($"unknown skip strategy {_skip}");
        }
    }

    private static int Compare(SharedBuffer<T> buffer, (PendingMatch Match, int[] Path) a, (PendingMatch Match, int[] Path) b)
    {
        int c = (a.Match.Timestamp, a.Match.StartSequence).CompareTo((b.Match.Timestamp, b.Match.StartSequence));
        for (int i = 0; c == 0 && i < Math.Min(a.Path.Length, b.Path.Length); i++)
        {
            c = buffer.Sequence(a.Path[i]).CompareTo(buffer.Sequence(b.Path[i]));
            if (c == 0)
            {
                c = buffer.Step(a.Path[i]).CompareTo(buffer.Step(b.Path[i]));
            }
        }
        return c != 0 ? c : a.Path.Length.CompareTo(b.Path.Length);
    }
}
