using Microsoft.Extensions.Logging;

namespace Cep.Engine.Patterns;

/// <summary>
/// The log line for the partial-match cap: a warning the first time it drops partial matches,
/// then at most one per <see cref="Interval"/> with what was dropped since — a cap that bites on
/// every event must not flood the log, and one that bites must never be silent (the metric
/// <c>cep.pattern.pruned</c> counts every drop). Owned by one task thread.
/// </summary>
internal sealed class PrunedReport(ILogger logger, string patternName, int cap)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private long _lastLogged = long.MinValue;
    private long _droppedSince;
    private long _eventsSince;

    /// <summary>The cap just dropped <paramref name="dropped"/> partial matches of <paramref name="key"/>.</summary>
    public void Dropped(object key, int dropped)
    {
        _droppedSince += dropped;
        _eventsSince++;
        long now = Environment.TickCount64;
        if (_lastLogged != long.MinValue && now - _lastLogged < Interval.TotalMilliseconds)
        {
            return;
        }
        logger.LogWarning(
            "pattern '{Pattern}': key {Key} held more than {Cap} partial matches, so the oldest were dropped to the Pruned output; {Dropped} dropped over {Keys} event(s) since the last report (next report in {Interval} s at the earliest)",
            patternName, key, cap, _droppedSince, _eventsSince, Interval.TotalSeconds);
        _lastLogged = now;
        _droppedSince = 0;
        _eventsSince = 0;
    }
}
