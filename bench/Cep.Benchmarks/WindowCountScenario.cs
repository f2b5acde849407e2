using System.Reactive.Subjects;
using Cep.Engine;
using Cep.Engine.Windows;

namespace Cep.Benchmarks;

/// <summary>
/// Tumbling 1 s count per key over 10 K keys, events pre-built in memory (100 events per ms of
/// event time, in order, a watermark every 1000 events): Cep's KeyBy → Window → Count graph
/// against the same count written by hand on System.Reactive (a Subject with one observer that
/// keeps a dictionary per window and emits when event time leaves it). Both run on one thread.
/// </summary>
internal sealed class WindowCountScenario : IScenario
{
    private const int Keys = 10_000;
    private const int EventsPerMs = 100;
    private const int WatermarkEvery = 1000;
    private const int Rounds = 3;

    public string Name => "window-count";

    public string Description => "tumbling 1 s count per key, 10 K keys, in-memory events; vs hand-written System.Reactive";

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        int events = quick ? 4_000_000 : 20_000_000;
        var clicks = BuildClicks(events);
        var items = BuildItems(clicks);
        RunOurs(items);
        RunPeer(clicks); // warm-up
        var oursRounds = new List<MetricSet>();
        var peerRounds = new List<MetricSet>();
        for (int round = 0; round < Rounds; round++)
        {
            oursRounds.Add(RunOurs(items));
            peerRounds.Add(RunPeer(clicks));
        }
        var ours = Results.Median(oursRounds, "events_per_s_per_core");
        var peer = Results.Median(peerRounds, "events_per_s_per_core");
        if (ours["results"] != peer["results"])
        {
            throw new InvalidOperationException($"ours emitted {ours["results"]} window results, the peer {peer["results"]}");
        }
        return Task.FromResult(new ScenarioResult(
            Name,
            $"{Rounds} rounds (median shown) of {events:N0} events, {Keys:N0} keys, {EventsPerMs} events per ms of event time, tumbling 1 s windows, a watermark every {WatermarkEvery} events; one thread",
            ours,
            "events_per_s_per_core",
            20_000_000,
            new PeerResult("System.Reactive by hand", "Subject<Click> → one observer: Dictionary<int,long> per window, emit all on window change (assumes in-order events, no watermarks, no grace)", peer),
            [
                "events_per_s_per_core = events / wall time of the push loop on one thread; results = window results emitted (checked equal on both sides).",
                "ours handles out-of-order events, grace, late side output and watermarks; the peer relies on in-order input.",
            ]));
    }

    private static Click[] BuildClicks(int events)
    {
        var random = new Random(42);
        var clicks = new Click[events];
        for (int i = 0; i < events; i++)
        {
            clicks[i] = new Click(random.Next(Keys), i / EventsPerMs);
        }
        return clicks;
    }

    private static StreamItem<Click>[] BuildItems(Click[] clicks)
    {
        var items = new List<StreamItem<Click>>(clicks.Length + clicks.Length / WatermarkEvery + 1);
        for (int i = 0; i < clicks.Length; i++)
        {
            items.Add(StreamItem<Click>.Event(clicks[i], clicks[i].Timestamp));
            if ((i + 1) % WatermarkEvery == 0)
            {
                items.Add(StreamItem<Click>.Watermark(clicks[i].Timestamp - 1));
            }
        }
        return items.ToArray();
    }

    private static MetricSet RunOurs(StreamItem<Click>[] items)
    {
        var source = new PushSource<StreamItem<Click>>();
        var results = new ResultCounter<StreamItem<WindowResult<int, long>>>();
        using var subscription = Streams.FromItems(source)
            .KeyBy(c => c.Key)
            .Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(1)))
            .Count()
            .Subscribe(results);
        GC.Collect();
        var watch = CpuWatch.Start();
        var observer = source.Observer;
        foreach (var item in items)
        {
            observer.OnNext(item);
        }
        observer.OnCompleted();
        var (wall, cpu) = watch.Elapsed();
        long events = items.LongCount(i => i.IsEvent);
        return Metrics(events, results.Events, wall, cpu);
    }

    private static MetricSet RunPeer(Click[] clicks)
    {
        var subject = new Subject<Click>();
        var counter = new HandWrittenWindowCount();
        using var subscription = subject.Subscribe(counter);
        GC.Collect();
        var watch = CpuWatch.Start();
        foreach (var click in clicks)
        {
            subject.OnNext(click);
        }
        subject.OnCompleted();
        var (wall, cpu) = watch.Elapsed();
        return Metrics(clicks.Length, counter.Results, wall, cpu);
    }

    private static MetricSet Metrics(long events, long results, TimeSpan wall, TimeSpan cpu) => new MetricSet()
        .Add("events_per_s_per_core", events / wall.TotalSeconds)
        .Add("events", events)
        .Add("results", results)
        .Add("elapsed_s", wall.TotalSeconds)
        .Add("ns_per_event", wall.TotalMilliseconds * 1e6 / events)
        .Add("cpu_cores_used", cpu / wall);

    /// <summary>Counts window results (events only).</summary>
    private sealed class ResultCounter<T> : IObserver<T>
    {
        public long Events { get; private set; }

        public void OnNext(T value)
        {
            if (value is StreamItem<WindowResult<int, long>> { IsEvent: true })
            {
                Events++;
            }
        }

        public void OnError(Exception error) => throw error;

        public void OnCompleted()
        {
        }
    }

    /// <summary>The peer: what a .NET developer writes on plain Rx for an in-order tumbling count.</summary>
    private sealed class HandWrittenWindowCount : IObserver<Click>
    {
        private Dictionary<int, long> _counts = [];
        private long _window = long.MinValue;

        public long Results { get; private set; }

        public void OnNext(Click click)
        {
            long window = click.Timestamp - click.Timestamp % 1000;
            if (window != _window)
            {
                Flush();
                _window = window;
            }
            System.Runtime.InteropServices.CollectionsMarshal.GetValueRefOrAddDefault(_counts, click.Key, out _)++;
        }

        public void OnError(Exception error) => throw error;

        public void OnCompleted() => Flush();

        private void Flush()
        {
            foreach (var (key, count) in _counts)
            {
                Results += key >= 0 && count > 0 ? 1 : 0;
            }
            _counts = [];
        }
    }
}
