using Cep.Engine;
using Cep.Engine.Patterns;

namespace Cep.Benchmarks.Patterns;

/// <summary>
/// A long run of a keyed pattern with <c>Within</c>: the managed heap is sampled every 10 % of
/// the input, to show that pruning on the watermark keeps the pattern's state flat however
/// many events have gone through. Events are generated while pushing (not pre-built), so the
/// only thing that could grow is the query's state.
/// </summary>
internal sealed class PatternStateScenario : IScenario
{
    private const int Keys = 10_000;
    private const int EventsPerMs = 1;
    private const int Samples = 10;

    // The pattern-loop input: the loop's branches and the shared buffer are the state that
    // would grow if pruning failed.
    private static readonly int[] Weights = [10, 30, 10, 50];

    public string Name => "pattern-state";

    public string Description => "50 M events through keyed a b+ c within 10 min; managed bytes every 10 % (state must stay flat)";

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        int events = quick ? 5_000_000 : 50_000_000;
        var source = new PushSource<StreamItem<Tick>>();
        var results = new MatchCounter<int>();
        var curve = new List<(long Events, long Bytes)>();
        using var subscription = Streams.FromItems(source).KeyBy(t => t.Key).Pattern(PatternLoopScenario.Loop).Select(m => m["b"].Count).Subscribe(results);
        var observer = source.Observer;
        var random = new Random(42);
        long baseline = GC.GetTotalMemory(true);
        long gcTicks = 0;
        var watch = CpuWatch.Start();
        int sampleEvery = events / Samples;
        for (int i = 0; i < events; i++)
        {
            observer.OnNext(StreamItem<Tick>.Event(Next(random, i), i / EventsPerMs));
            if ((i + 1) % TickStream.WatermarkEvery == 0)
            {
                observer.OnNext(StreamItem<Tick>.Watermark((i / EventsPerMs) - 1));
            }
            if ((i + 1) % sampleEvery == 0)
            {
                // Sampled right after a watermark (sampleEvery is a multiple of WatermarkEvery), so the operator has drained.
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                curve.Add((i + 1, GC.GetTotalMemory(true) - baseline));
                gcTicks += System.Diagnostics.Stopwatch.GetTimestamp() - start;
            }
        }
        observer.OnCompleted();
        var (wall, cpu) = watch.Elapsed();
        long endBytes = GC.GetTotalMemory(true) - baseline;
        GC.KeepAlive(source);

        double matchSeconds = wall.TotalSeconds - Results.Seconds(gcTicks);
        long first = curve[0].Bytes;
        long last = curve[^1].Bytes;
        long max = curve.Max(c => c.Bytes);
        var metrics = new MetricSet()
            .Add("events_per_s_per_core", events / matchSeconds)
            .Add("events", events)
            .Add("matches", results.Matches)
            .Add("state_bytes_first", first)
            .Add("state_bytes_last", last)
            .Add("state_bytes_max", max)
            .Add("state_last_over_first", (double)last / first)
            .Add("state_bytes_after_end", endBytes)
            .Add("elapsed_s", wall.TotalSeconds)
            .Add("sampling_s", Results.Seconds(gcTicks))
            .Add("cpu_cores_used", cpu / wall);
        var table = new List<string> { $"{"events processed",18}  {"managed bytes",15}  {"event time",10}", new string('-', 47) };
        table.AddRange(curve.Select(c => $"{c.Events,18:N0}  {c.Bytes,15:N0}  {TimeSpan.FromMilliseconds(c.Events / EventsPerMs),10:hh\\:mm\\:ss}"));
        return Task.FromResult(new ScenarioResult(
            Name,
            $"{events:N0} events generated while pushing, {Keys:N0} keys, {EventsPerMs} event per ms of event time ({events / EventsPerMs / 3_600_000.0:F1} h), kinds a/b/c/noise {string.Join('/', Weights)} %, pattern {PatternLoopScenario.Loop} (FollowedBy, relaxed) within 10 min, a watermark every {TickStream.WatermarkEvery} events; one thread, one run",
            metrics,
            "events_per_s_per_core",
            2_000_000,
            null,
            [
                "state_bytes_*: GC.GetTotalMemory(true) minus the same right after subscribing, sampled after the watermark that ends each 10 % of the input (curve above); state_bytes_after_end once the input completed (every window ended).",
                "flat means state_bytes_last ≈ state_bytes_first: after the first 10-minute window the state is bounded by one window of events per key, not by the events seen.",
                "events_per_s_per_core excludes the sampling time (sampling_s) and includes generating the events; the pattern-seq3 bar is shown for reference only.",
            ])
        {
            Table = table,
        });
    }

    private static Tick Next(Random random, int i)
    {
        int draw = random.Next(100);
        char kind = draw < Weights[0] ? 'A' : draw < Weights[0] + Weights[1] ? 'B' : draw < Weights[0] + Weights[1] + Weights[2] ? 'C' : 'D';
        return new Tick(random.Next(Keys), i / EventsPerMs, kind);
    }
}
