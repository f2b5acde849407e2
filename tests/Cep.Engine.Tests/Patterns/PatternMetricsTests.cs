using System.Diagnostics.Metrics;
using Cep.Engine.Patterns;
using static Cep.Engine.Tests.Patterns.PatternRun;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests.Patterns;

/// <summary>The pattern operator's instruments on the "Cep.Patterns" meter, read with a MeterListener over a documented run.</summary>
public sealed class PatternMetricsTests
{
    private static bool Kind(string e, char name) => e.Split(':')[1].Is(name);

    /// <summary>
    /// Pattern a → b within 10 ms, cap 2 per key, named uniquely (tests run in parallel and
    /// share the meter, so measurements are filtered by the <c>pattern</c> tag). Input: k sends
    /// a1, a2, a3 (a3 makes three partials: a1 is pruned), b at 4 (matches a2 b and a3 b); j
    /// sends a at 5 and nothing more (times out at 14 when watermark 20 passes); then k's a at 15
    /// arrives late. Counters: 6 events in, 1 late, 2 matches, 1 timeout, 1 pruned. Held state
    /// never exceeds the cap of 2 partials (2 events buffered), all 5 on-time events waited for
    /// the watermark at once, and everything held is back to 0 when the run ends.
    /// </summary>
    [Fact]
    public void The_instruments_count_a_documented_run()
    {
        string name = "metrics-" + Guid.NewGuid().ToString("N");
        var totals = new Dictionary<string, long>();
        var peaks = new Dictionary<string, long>();
        var reasons = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Cep.Patterns")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? pattern = null;
            string? reason = null;
            foreach (var tag in tags)
            {
                pattern = tag.Key == "pattern" ? tag.Value as string : pattern;
                reason = tag.Key == "reason" ? tag.Value as string : reason;
            }
            if (pattern != name)
            {
                return;
            }
            lock (totals)
            {
                totals[instrument.Name] = totals.GetValueOrDefault(instrument.Name) + value;
                peaks[instrument.Name] = Math.Max(peaks.GetValueOrDefault(instrument.Name), totals[instrument.Name]);
                if (reason is not null)
                {
                    reasons.Add(reason);
                }
            }
        });
        listener.Start();

        var pattern = Pattern<string>.Begin("a").Where(e => Kind(e, 'a')).FollowedBy("b").Where(e => Kind(e, 'b')).Within(TimeSpan.FromMilliseconds(10));
        var input = new[] { E("k:a1", 1), E("k:a2", 2), E("k:a3", 3), E("k:b", 4), E("j:a", 5), W<string>(20), E("k:a", 15) };
        var (items, error, _) = Pipeline.Run(input, s => s.KeyBy(e => e.Split(':')[0]).Pattern(pattern).WithName(name).WithMaxPartialMatchesPerKey(2).Select(Format), complete: false);
        Assert.Null(error);
        Assert.Equal(["{k:a2 k:b}", "{k:a3 k:b}"], items.Where(i => i.IsEvent).Select(i => i.Value));

        Assert.Equal(6, totals["cep.pattern.events"]);
        Assert.Equal(1, totals["cep.pattern.late_events"]);
        Assert.Equal(2, totals["cep.pattern.matches"]);
        Assert.Equal(1, totals["cep.pattern.timeouts"]);
        Assert.Equal(1, totals["cep.pattern.pruned"]);
        Assert.Equal(["max_partial_matches_per_key"], reasons);
        Assert.Equal(2, peaks["cep.pattern.partial_matches"]);
        Assert.Equal(2, peaks["cep.pattern.buffered_events"]);
        Assert.Equal(5, peaks["cep.pattern.waiting_events"]);
        // The run's subscription is disposed: the operator's held state no longer counts.
        Assert.Equal(0, totals["cep.pattern.partial_matches"]);
        Assert.Equal(0, totals["cep.pattern.buffered_events"]);
        Assert.Equal(0, totals["cep.pattern.waiting_events"]);
    }
}
