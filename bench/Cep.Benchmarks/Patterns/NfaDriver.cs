using Cep.Engine;
using Cep.Engine.Patterns;

namespace Cep.Benchmarks.Patterns;

/// <summary>
/// Runs a compiled pattern per key straight on the automaton (no operator, no event-time
/// buffer, no timers: events are assumed in order, so each key's time is advanced to just
/// before its event), so the benchmark can count what the operator keeps private: partial
/// matches, buffered events and bindings. For in-order input it holds the same state as the
/// operator once the operator has drained to the same watermark. Owned by one thread.
/// </summary>
internal sealed class NfaDriver(Pattern<Tick> pattern)
{
    private readonly Nfa<Tick> _nfa = NfaCompiler.Compile(pattern);
    private readonly Dictionary<int, NfaState<Tick>> _states = [];
    private readonly SharedBuffer<Tick> _buffer = new();
    private readonly List<PendingMatch> _completed = [];
    private readonly List<PendingMatch> _timedOut = [];
    private readonly List<MatchResult<Tick>> _emitted = [];
    private readonly List<ComputationState> _spare = [];
    private PatternContext<Tick>? _context;

    public long Matches { get; private set; }

    public int Keys => _states.Count;

    public long PartialMatches => _states.Values.Sum(s => (long)s.PartialCount);

    public long BufferedEvents => _buffer.EventCount;

    public long BufferedNodes => _buffer.NodeCount;

    public void Process(in Tick tick)
    {
        _context ??= _nfa.CreateContext();
        if (!_states.TryGetValue(tick.Key, out var state))
        {
            state = new NfaState<Tick>(_buffer);
            _states.Add(tick.Key, state);
        }
        Advance(state, tick.Timestamp - 1);
        _nfa.Process(state, StreamItem<Tick>.Event(tick, tick.Timestamp), _context, _spare, _completed);
        Emit(state, tick.Timestamp);
        if (state.IsEmpty)
        {
            _states.Remove(tick.Key);
        }
    }

    /// <summary>Ends every window up to <paramref name="time"/> for every key, as the operator's timers do at that watermark.</summary>
    public void AdvanceAll(long time)
    {
        foreach (var (key, state) in _states)
        {
            Advance(state, time);
            if (state.IsEmpty)
            {
                _states.Remove(key);
            }
        }
    }

    private void Advance(NfaState<Tick> state, long time)
    {
        _nfa.AdvanceTime(state, time, _completed, _timedOut);
        foreach (var m in _timedOut)
        {
            state.Buffer.Release(m.Node);
        }
        _timedOut.Clear();
        Emit(state, time);
    }

    private void Emit(NfaState<Tick> state, long now)
    {
        _nfa.Emit(state, _completed, _emitted, now);
        Matches += _emitted.Count;
        _emitted.Clear();
    }
}
