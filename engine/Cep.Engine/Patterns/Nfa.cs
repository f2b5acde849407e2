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
/// <item>A step with a stop condition (Until) binds no event that passes it, and between two
/// events of its loop G holds none that passes it (the loop ends there); G before its first
/// event may (an event the step would not take can be skipped).</item>
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
    private readonly string[] _stepNames;

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
        _stepNames = [.. steps.Select(s => s.Name)];
        Shape = string.Join(" ", steps.Select(s =>
                string.Concat(s.AbsencesBefore.Select(a => $"{(a.Strict ? "!next" : "!followedBy")}({a.Name}) "))
                + $"{s.Name}[{s.Min},{s.Max}{(s.Optional ? ",optional" : "")}{(s.Greedy ? ",greedy" : "")}{(s.Until is null ? "" : ",until")},{s.Entry},{s.Inner}]"))
            + string.Concat(trailing.Select(a => $" !followedBy({a.Name})"))
            + $" within {windowMs} skip {skip}({skipStep})";
    }

    /// <summary>What a state depends on, as text: steps, quantifiers, contiguity, absences, window, skip strategy (not the conditions, which are code).</summary>
    public string Shape { get; }

    public NfaStep<T>[] Steps => _steps;

    /// <summary>The NotFollowedBy steps after the last positive step (a pending absence at the end).</summary>
    public Absence<T>[] Trailing => _trailing;

    /// <summary>The window in milliseconds; long.MaxValue for none.</summary>
    public long WindowMs { get; }

    public bool HasWindow => WindowMs != long.MaxValue;

    public PatternContext<T> CreateContext() => new(_stepIndex);

    /// <summary>The last instant a partial match started at <paramref name="startTimestamp"/> may still take an event.</summary>
    public long Deadline(long startTimestamp) => HasWindow ? TimeMath.Add(startTimestamp, WindowMs - 1) : long.MaxValue;

    /// <summary>
    /// Matches one event (the key's next in event-time order) against every partial match and
    /// as a possible start. Completed matches are appended to <paramref name="completed"/>.
    /// If a condition throws, the state is left as it was (the event is skipped for this key)
    /// and a <see cref="PatternConditionException"/> propagates. <paramref name="spare"/> is an
    /// empty list to build the next partial matches in; on return it is empty again.
    /// </summary>
    public void Process(NfaState<T> state, in StreamItem<T> item, PatternContext<T> context, List<ComputationState> spare, List<PendingMatch> completed, ConditionRecorder<T>? recorder = null)
    {
        var buffer = state.Buffer;
        var partials = state.Partials;
        long sequence = state.NextSequence++;
        var step = new NfaStepper<T>(this, buffer, item, buffer.AddEvent(item, sequence), context, spare, completed, recorder);
        // Which partial matches handed their reference to the next state (the rest are released).
        Span<bool> handedOver = partials.Length <= 64 ? stackalloc bool[partials.Length] : new bool[partials.Length];
        int advanced = 0;
        try
        {
            for (; advanced < partials.Length; advanced++)
            {
                var s = partials[advanced];
                handedOver[advanced] = item.Timestamp > Deadline(s.StartTimestamp) ? step.Carry(s) : step.Advance(s);
            }
            step.Start(sequence);
        }
        catch
        {
            if (advanced < partials.Length)
            {
                handedOver[advanced] = step.HandedOver; // the partial match whose condition threw
            }
            for (int i = 0; i < partials.Length; i++)
            {
                if (handedOver[i])
                {
                    buffer.Retain(partials[i].Node); // the state keeps it; Undo releases the handed-over copy
                }
            }
            step.Undo();
            state.NextSequence--;
            throw;
        }
        for (int i = 0; i < partials.Length; i++)
        {
            if (!handedOver[i])
            {
                buffer.Release(partials[i].Node);
            }
        }
        state.ReplacePartials(spare);
        spare.Clear();
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
        var partials = state.Partials;
        int kept = 0;
        for (int i = 0; i < partials.Length; i++)
        {
            var s = partials[i];
            long deadline = Deadline(s.StartTimestamp);
            if (deadline > time)
            {
                partials[kept++] = s;
            }
            else if (IsPendingAbsence(s))
            {
                completed.Add(new PendingMatch(s.Node, s.StartSequence, deadline, s.StartTimestamp));
            }
            else if (IsAccepting(s.Step, s.Count))
            {
                buffer.Release(s.Node);
            }
            else
            {
                timedOut.Add(new PendingMatch(s.Node, s.StartSequence, deadline, s.StartTimestamp));
            }
        }
        state.TruncatePartials(kept);
        if (timedOut.Count > 1)
        {
            timedOut.Sort(static (a, b) => (a.Timestamp, a.StartSequence).CompareTo((b.Timestamp, b.StartSequence)));
        }
    }

    /// <summary>
    /// Emits completed matches at time <paramref name="now"/> (the event or deadline being
    /// processed). Without a skip strategy every match goes out at once, in order: by time,
    /// then earliest start, then by their events' sequence numbers. With one, as in Flink, a
    /// match is held (in <see cref="NfaState{T}.HeldMatches"/>) while a partial match whose
    /// first event is earlier in time is alive — that one may still complete and, being
    /// earlier, take priority under the skip — so matches go out by start time (then in the
    /// order above), each applying the skip strategy: it discards the partial matches and held
    /// matches that started before its bound. Like Flink, this compares start times, not
    /// positions: among events of equal time nothing is held. A held match goes out at the
    /// time it is released. Releases every emitted or discarded
    /// match's reference; <paramref name="emitted"/> receives the ones to emit.
    /// </summary>
    public void Emit(NfaState<T> state, List<PendingMatch> completed, List<MatchResult<T>> emitted, long now)
    {
        var buffer = state.Buffer;
        if (_skip == AfterMatchSkipKind.NoSkip)
        {
            if (completed.Count > 1)
            {
                Order(buffer, completed, startFirst: false);
            }
            foreach (var match in completed)
            {
                emitted.Add(Materialize(buffer, match.Node, Math.Max(match.Timestamp, now)));
                buffer.Release(match.Node);
            }
            completed.Clear();
            return;
        }
        if (completed.Count == 0 && state.HeldMatches is not { Count: > 0 })
        {
            return;
        }
        var held = state.HeldMatches ??= [];
        held.AddRange(completed);
        completed.Clear();
        if (held.Count > 1)
        {
            Order(buffer, held, startFirst: true);
        }
        int next = 0;
        long bound = long.MinValue;
        for (; next < held.Count; next++)
        {
            var match = held[next];
            if (match.StartSequence < bound)
            {
                buffer.Release(match.Node); // discarded by the skip of a match emitted before it
                continue;
            }
            if (state.PartialCount > 0 && state.Partials[0].StartTimestamp < match.StartTimestamp)
            {
                break; // an earlier-started partial match is alive (partials are in start order)
            }
            emitted.Add(Materialize(buffer, match.Node, Math.Max(match.Timestamp, now)));
            long skipTo = SkipBound(buffer, match.Node);
            buffer.Release(match.Node);
            if (skipTo > bound)
            {
                bound = skipTo;
                DiscardStartedBefore(state, skipTo);
            }
        }
        held.RemoveRange(0, next);
        for (int i = held.Count - 1; i >= 0; i--)
        {
            if (held[i].StartSequence < bound)
            {
                buffer.Release(held[i].Node);
                held.RemoveAt(i);
            }
        }
    }

    /// <summary>
    /// Sorts matches for emission. Ordering compares the matches' events, so it needs their
    /// paths; a method of its own so the closures are only allocated when there is more than
    /// one match to order.
    /// </summary>
    private static void Order(SharedBuffer<T> buffer, List<PendingMatch> completed, bool startFirst)
    {
        var ordered = completed.Select(m => (Match: m, Path: buffer.Path(m.Node))).ToList();
        ordered.Sort((a, b) => Compare(buffer, a, b, startFirst));
        for (int i = 0; i < ordered.Count; i++)
        {
            completed[i] = ordered[i].Match;
        }
    }

    /// <summary>Drops (and releases) the partial matches that started before sequence <paramref name="bound"/>, keeping the others in order.</summary>
    private static void DiscardStartedBefore(NfaState<T> state, long bound)
    {
        var partials = state.Partials;
        int kept = 0;
        for (int i = 0; i < partials.Length; i++)
        {
            var s = partials[i];
            if (s.StartSequence < bound)
            {
                state.Buffer.Release(s.Node);
            }
            else
            {
                partials[kept++] = s;
            }
        }
        state.TruncatePartials(kept);
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
        int excess = state.PartialCount - max;
        if (excess <= 0)
        {
            return;
        }
        for (int i = 0; i < excess; i++)
        {
            var s = state.Partials[i];
            pruned.Add(new PendingMatch(s.Node, s.StartSequence, s.StartTimestamp, s.StartTimestamp));
        }
        state.RemoveOldest(excess);
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

    /// <summary>The events of the match (or partial match) ending at <paramref name="last"/>, by step name, in step order; releases nothing.</summary>
    public MatchResult<T> Materialize(SharedBuffer<T> buffer, int last, long timestamp)
    {
        // Two walks back along the chain: count per step, then fill each step's array from its
        // end. Steps bind in pattern order along a chain, so a step's events are contiguous.
        Span<int> counts = _steps.Length <= 16 ? stackalloc int[_steps.Length] : new int[_steps.Length];
        for (int n = last; n >= 0; n = buffer.Previous(n))
        {
            counts[buffer.Step(n)]++;
        }
        var events = new T[]?[_steps.Length];
        for (int i = 0; i < events.Length; i++)
        {
            events[i] = counts[i] > 0 ? new T[counts[i]] : null;
        }
        for (int n = last; n >= 0; n = buffer.Previous(n))
        {
            int step = buffer.Step(n);
            events[step]![--counts[step]] = buffer.Value(n);
        }
        return new MatchResult<T>(new MatchEvents<T>(_stepNames, events), timestamp, StreamItem<T>.Event(buffer.Value(last), buffer.Timestamp(last), buffer.Origin(last)));
    }

    /// <summary>A partial match at this step and count is a match: the step has its minimum and every later step is optional.</summary>
    public bool IsAccepting(int step, int count) => count >= _steps[step].Min && _optionalAfter[step];

    private bool IsPendingAbsence(in ComputationState s) =>
        _trailing.Length > 0 && IsAccepting(s.Step, s.Count) && (s.Fresh || s.Waiting == _steps.Length);

    /// <summary>Partial matches that started before this sequence number are discarded after the match ending at <paramref name="last"/>.</summary>
    private long SkipBound(SharedBuffer<T> buffer, int last)
    {
        switch (_skip)
        {
            case AfterMatchSkipKind.NoSkip:
                return long.MinValue;
            case AfterMatchSkipKind.SkipPastLastEvent:
                return buffer.Sequence(last) + 1;
            case AfterMatchSkipKind.SkipToNext:
            case AfterMatchSkipKind.SkipToFirst:
            case AfterMatchSkipKind.SkipToLast:
                // Walking back from the last binding: the first node of the chain, the earliest
                // or the latest binding of the skip step.
                int first = last, earliest = -1, latest = -1;
                for (int n = last; n >= 0; n = buffer.Previous(n))
                {
                    first = n;
                    if (buffer.Step(n) == _skipStep)
                    {
                        earliest = n;
                        latest = latest < 0 ? n : latest;
                    }
                }
                int bound = _skip switch
                {
                    AfterMatchSkipKind.SkipToNext => first,
                    AfterMatchSkipKind.SkipToFirst => earliest,
                    _ => latest,
                };
                return bound < 0 ? long.MinValue : buffer.Sequence(bound) + (_skip == AfterMatchSkipKind.SkipToNext ? 1 : 0);
            default:
                throw new InvalidOperationException($"unknown skip strategy {_skip}");
        }
    }

    /// <summary>By time then start (emission order), or by start then time (<paramref name="startFirst"/>: priority under a skip strategy); then by the events bound.</summary>
    private static int Compare(SharedBuffer<T> buffer, (PendingMatch Match, int[] Path) a, (PendingMatch Match, int[] Path) b, bool startFirst)
    {
        // Held matches completed at different events: the one completed first goes first.
        int c = startFirst
            ? (a.Match.StartTimestamp, a.Match.Timestamp, buffer.Sequence(a.Match.Node), a.Match.StartSequence).CompareTo((b.Match.StartTimestamp, b.Match.Timestamp, buffer.Sequence(b.Match.Node), b.Match.StartSequence))
            : (a.Match.Timestamp, a.Match.StartSequence).CompareTo((b.Match.Timestamp, b.Match.StartSequence));
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
