using System.Reactive.Subjects;
using Cep.Engine;
using Cep.Engine.Patterns;

namespace Cep.Benchmarks.Patterns;

/// <summary>
/// Keyed A → B → C (FollowedBy, relaxed contiguity) within 10 minutes over 100 K keys, events
/// pre-built in memory and pushed on one thread through KeyBy → Pattern → Select, against the
/// same detection written by hand on System.Reactive (a per-key state machine).
/// </summary>
internal sealed class PatternSeq3Scenario : IScenario
{
    private const int Keys = 100_000;
    private const int EventsPerMs = 1;
    private const int Rounds = 3;
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    // A 20 %, B 20 %, C 20 %, noise 40 %: a key sees ~6 events per 10 minutes, so about half
    // of the sequences an A opens complete and the rest time out.
    private static readonly int[] Weights = [20, 20, 20, 40];

    public string Name => "pattern-seq3";

    public string Description => "keyed A → B → C within 10 min, 100 K keys, in-memory events; vs a hand-written state machine on System.Reactive";

    public static Pattern<Tick> Seq3 => Pattern<Tick>.Begin("a").Where(t => t.Kind == 'A')
        .FollowedBy("b").Where(t => t.Kind == 'B')
        .FollowedBy("c").Where(t => t.Kind == 'C')
        .Within(Window);

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        int events = quick ? 2_000_000 : 10_000_000;
        var ticks = TickStream.Build(events, Keys, EventsPerMs, Weights);
        var items = TickStream.Items(ticks);
        RunOurs(items);
        RunPeer(ticks); // warm-up
        var oursRounds = new List<MetricSet>();
        var peerRounds = new List<MetricSet>();
        for (int round = 0; round < Rounds; round++)
        {
            oursRounds.Add(RunOurs(items));
            peerRounds.Add(RunPeer(ticks));
        }
        var ours = Results.Median(oursRounds, "events_per_s_per_core");
        var peer = Results.Median(peerRounds, "events_per_s_per_core");
        if (ours["matches"] != peer["matches"])
        {
            throw new InvalidOperationException($"ours found {ours["matches"]} matches, the peer {peer["matches"]}");
        }
        var automaton = RunAutomaton(ticks);
        if (automaton.Matches != (long)ours["matches"])
        {
            throw new InvalidOperationException($"the automaton replay found {automaton.Matches} matches, the operator {ours["matches"]}");
        }
        ours.Add("automaton_only_events_per_s", automaton.EventsPerSecond);
        long starts = ticks.LongCount(t => t.Kind == 'A');
        ours.Add("matches_per_a", ours["matches"] / starts);
        return Task.FromResult(new ScenarioResult(
            Name,
            $"{Rounds} rounds (median shown) of {events:N0} events, {Keys:N0} keys, {EventsPerMs} event per ms of event time ({events / EventsPerMs / 60_000.0:F0} min, ~{Window.TotalMilliseconds * EventsPerMs / Keys:F0} events per key per window), kinds A/B/C/noise {string.Join('/', Weights)} %, pattern {Seq3} within {Window.TotalMinutes} min, a watermark every {TickStream.WatermarkEvery} events; one thread",
            ours,
            "events_per_s_per_core",
            2_000_000,
            new PeerResult("System.Reactive by hand", "Subject<Tick> → one observer: Dictionary<int, List<(start, stage)>>, pruned by event time, key removed when empty (in-order input assumed)", peer),
            [
                "events_per_s_per_core = events / wall time of the push loop (including OnCompleted, which ends every window) on one thread; matches checked equal on both sides.",
                "ours buffers events until the watermark (event-time order), fires window timeouts as timers and materialises each timed-out partial match for the TimedOut side output, and hands each match to Select as a dictionary of step name → events; the peer only counts.",
                "1 event per ms (not 100) so the run spans many 10-minute windows and Within pruning really happens.",
            ]));
    }

    private static MetricSet RunOurs(StreamItem<Tick>[] items)
    {
        var source = new PushSource<StreamItem<Tick>>();
        var results = new MatchCounter<long>();
        using var subscription = Streams.FromItems(source)
            .KeyBy(t => t.Key)
            .Pattern(Seq3)
            .Select(m => m["c"][0].Timestamp)
            .Subscribe(results);
        GC.Collect();
        var heap = HeapWatch.Start();
        var watch = CpuWatch.Start();
        var observer = source.Observer;
        TickStream.Push(observer, items, 0, items.Length);
        observer.OnCompleted();
        var (wall, cpu) = watch.Elapsed();
        return Metrics(items.LongCount(i => i.IsEvent), results.Matches, wall, cpu, heap);
    }

    /// <summary>The same events straight through the compiled automaton per key (no operator), to split the cost between the two.</summary>
    public static (long Matches, double EventsPerSecond) RunAutomaton(Tick[] ticks, Pattern<Tick>? pattern = null)
    {
        var driver = new NfaDriver(pattern ?? Seq3);
        GC.Collect();
        var watch = CpuWatch.Start();
        foreach (var tick in ticks)
        {
            driver.Process(tick);
        }
        driver.AdvanceAll(long.MaxValue);
        return (driver.Matches, ticks.Length / watch.Elapsed().Wall.TotalSeconds);
    }

    private static MetricSet RunPeer(Tick[] ticks)
    {
        var subject = new Subject<Tick>();
        var machine = new HandWrittenSeq3((long)Window.TotalMilliseconds);
        using var subscription = subject.Subscribe(machine);
        GC.Collect();
        var heap = HeapWatch.Start();
        var watch = CpuWatch.Start();
        foreach (var tick in ticks)
        {
            subject.OnNext(tick);
        }
        subject.OnCompleted();
        var (wall, cpu) = watch.Elapsed();
        return Metrics(ticks.Length, machine.Matches, wall, cpu, heap);
    }

    public static MetricSet Metrics(long events, long matches, TimeSpan wall, TimeSpan cpu, HeapWatch heap) => new MetricSet()
        .Add("events_per_s_per_core", events / wall.TotalSeconds)
        .Add("events", events)
        .Add("matches", matches)
        .Add("elapsed_s", wall.TotalSeconds)
        .Add("ns_per_event", wall.TotalMilliseconds * 1e6 / events)
        .Add("alloc_bytes_per_event", (double)heap.AllocatedBytes / events)
        .Add("gen0_collections", heap.Gen0)
        .Add("gen2_collections", heap.Gen2)
        .Add("cpu_cores_used", cpu / wall);
}
