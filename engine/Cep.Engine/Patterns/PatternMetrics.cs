using System.Diagnostics.Metrics;

namespace Cep.Engine.Patterns;

/// <summary>
/// One pattern operator's System.Diagnostics.Metrics instruments, on the meter
/// <see cref="MeterName"/>, every measurement tagged <c>pattern</c> = the query's pattern name
/// (<see cref="PatternStream{TKey, T}.WithName"/>):
/// <list type="table">
/// <item><term>cep.pattern.events</term><description>counter: events that reached the operator (late ones included)</description></item>
/// <item><term>cep.pattern.late_events</term><description>counter: events at or below the watermark, sent to LateEvents</description></item>
/// <item><term>cep.pattern.matches</term><description>counter: matches emitted</description></item>
/// <item><term>cep.pattern.timeouts</term><description>counter: partial matches sent to TimedOut</description></item>
/// <item><term>cep.pattern.pruned</term><description>counter: partial matches dropped by the per-key cap and sent to Pruned (tag <c>reason</c>)</description></item>
/// <item><term>cep.pattern.partial_matches</term><description>up-down counter: partial matches held, all keys</description></item>
/// <item><term>cep.pattern.buffered_events</term><description>up-down counter: events held in the keys' shared buffers</description></item>
/// <item><term>cep.pattern.waiting_events</term><description>up-down counter: events waiting for the watermark to be matched</description></item>
/// </list>
/// Instruments are static (one meter per process, as .NET recommends) and the operator only
/// adds deltas, so nothing here lives past the operator: <see cref="Dispose"/> takes its held
/// state back out of the up-down counters. With no listener, each measurement is one enabled
/// check. Owned by the operator's task thread.
/// </summary>
internal sealed class PatternMetrics : IDisposable
{
    public const string MeterName = "Cep.Patterns";
    public const string CapReason = "max_partial_matches_per_key";

    private static readonly Meter SharedMeter = new(MeterName);
    private static readonly Counter<long> EventsCounter = SharedMeter.CreateCounter<long>("cep.pattern.events", "{event}", "Events that reached the pattern operator");
    private static readonly Counter<long> LateCounter = SharedMeter.CreateCounter<long>("cep.pattern.late_events", "{event}", "Events at or below the watermark, sent to the late side output");
    private static readonly Counter<long> MatchesCounter = SharedMeter.CreateCounter<long>("cep.pattern.matches", "{match}", "Matches emitted");
    private static readonly Counter<long> TimeoutsCounter = SharedMeter.CreateCounter<long>("cep.pattern.timeouts", "{match}", "Partial matches whose window ended");
    private static readonly Counter<long> PrunedCounter = SharedMeter.CreateCounter<long>("cep.pattern.pruned", "{match}", "Partial matches dropped to bound state");
    private static readonly UpDownCounter<long> PartialsGauge = SharedMeter.CreateUpDownCounter<long>("cep.pattern.partial_matches", "{match}", "Partial matches held");
    private static readonly UpDownCounter<long> BufferedGauge = SharedMeter.CreateUpDownCounter<long>("cep.pattern.buffered_events", "{event}", "Events held in shared buffers");
    private static readonly UpDownCounter<long> WaitingGauge = SharedMeter.CreateUpDownCounter<long>("cep.pattern.waiting_events", "{event}", "Events waiting for the watermark");

    private readonly KeyValuePair<string, object?> _tag;
    private readonly KeyValuePair<string, object?> _capReason = new("reason", CapReason);
    private long _partialsHeld;
    private long _bufferedHeld;
    private long _waitingHeld;

    public PatternMetrics(string patternName)
    {
        _tag = new("pattern", patternName);
    }

    public void EventIn() => EventsCounter.Add(1, _tag);

    public void Late() => LateCounter.Add(1, _tag);

    public void Matches(int count) => Add(MatchesCounter, count);

    public void Timeouts(int count) => Add(TimeoutsCounter, count);

    public void PrunedByCap(int count)
    {
        if (count > 0)
        {
            PrunedCounter.Add(count, _tag, _capReason);
        }
    }

    public void Waiting(int delta) => Move(WaitingGauge, ref _waitingHeld, delta);

    /// <summary>A key's state changed from (<paramref name="partialsBefore"/>, <paramref name="bufferedBefore"/>) to its current size.</summary>
    public void StateChanged<T>(NfaState<T> state, int partialsBefore, int bufferedBefore)
    {
        Move(PartialsGauge, ref _partialsHeld, state.PartialCount - partialsBefore);
        Move(BufferedGauge, ref _bufferedHeld, state.Buffer.EventCount - bufferedBefore);
    }

    /// <summary>The operator is gone with its state: what it held no longer counts. Idempotent.</summary>
    public void Dispose()
    {
        Move(PartialsGauge, ref _partialsHeld, -_partialsHeld);
        Move(BufferedGauge, ref _bufferedHeld, -_bufferedHeld);
        Move(WaitingGauge, ref _waitingHeld, -_waitingHeld);
    }

    private void Add(Counter<long> counter, int count)
    {
        if (count > 0)
        {
            counter.Add(count, _tag);
        }
    }

    private void Move(UpDownCounter<long> counter, ref long held, long delta)
    {
        if (delta != 0)
        {
            held += delta;
            counter.Add(delta, _tag);
        }
    }
}
