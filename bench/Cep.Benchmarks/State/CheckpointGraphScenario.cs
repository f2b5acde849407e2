using System.Diagnostics;
using System.Text.Json;
using Cep.Engine;
using Cep.Engine.Runtime;
using Cep.Engine.Windows;
using Cep.Storage.Topics;

namespace Cep.Benchmarks.State;

/// <summary>
/// One side of the <c>checkpoint</c> scenario, run in a process of its own: the window-count
/// graph (tumbling 1 s count, 10 K keys) built inside a task's query context, with its state in
/// the checkpointed store and a checkpoint every second of wall time
/// (<c>checkpoint-graph</c>), or on the in-memory store without checkpoints
/// (<c>checkpoint-graph-plain</c>).
/// </summary>
internal sealed class CheckpointGraphScenario(bool checkpointed) : IScenario
{
    public const int Keys = 10_000;
    public const int Rounds = 3;
    private const int EventsPerMs = 100;

    public string Name => checkpointed ? "checkpoint-graph" : "checkpoint-graph-plain";

    public string Description => checkpointed
        ? "(part of checkpoint) window-count graph with checkpointed state, a checkpoint every second"
        : "(part of checkpoint) window-count graph on the in-memory store";

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        long events = quick ? 60_000_000 : 300_000_000;
        RunGraph(events / 10, checkpointed); // warm-up
        var rounds = Enumerable.Range(0, Rounds).Select(_ => RunGraph(events, checkpointed)).ToList();
        return Task.FromResult(new ScenarioResult(Name, Description, Results.Median(rounds, "events_per_s_per_core"), "events_per_s_per_core", 0, null, []));
    }

    /// <summary>Runs the scenario named for <paramref name="checkpointed"/> in a child process of this harness and returns its metrics (the JSON last line).</summary>
    public static MetricSet RunInChildProcess(bool checkpointed, bool quick)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
        if (!Environment.ProcessPath!.EndsWith("Cep.Benchmarks", StringComparison.Ordinal))
        {
            info.ArgumentList.Add(typeof(CheckpointGraphScenario).Assembly.Location); // run through the dotnet host
        }
        info.ArgumentList.Add(new CheckpointGraphScenario(checkpointed).Name);
        if (quick)
        {
            info.ArgumentList.Add("--quick");
        }
        using var child = Process.Start(info)!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0)
        {
            throw new InvalidOperationException($"{info.FileName} {string.Join(' ', info.ArgumentList)} exited with {child.ExitCode}: {output}");
        }
        string json = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        var metrics = new MetricSet();
        foreach (var metric in JsonDocument.Parse(json).RootElement.GetProperty("metrics").EnumerateObject())
        {
            metrics.Add(metric.Name, metric.Value.GetDouble());
        }
        return metrics;
    }

    /// <summary>
    /// Builds the graph inside a task's query context (with task state when <paramref name="checkpointed"/>)
    /// and pushes <paramref name="events"/> events made on the fly (key by a multiplicative hash of
    /// the event number, 100 per ms of event time, a watermark every 1000), checkpointing every
    /// second of wall time.
    /// </summary>
    private static MetricSet RunGraph(long events, bool checkpointed)
    {
        using var directory = new TempDirectory("checkpoint-graph");
        using var topics = TopicStore.Open(Path.Combine(directory.Path, "log"));
        var options = new QueryOptions { StateDirectory = checkpointed ? Path.Combine(directory.Path, "state") : null };
        var context = new QueryContext("bench", 0, new EmbeddedTopicLog(topics), options);
        var source = new PushSource<StreamItem<Click>>();
        long results = 0;
        IDisposable subscription;
        using (context.Enter())
        {
            subscription = Streams.FromItems(source)
                .KeyBy(c => c.Key)
                .Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(1)))
                .Count()
                .Subscribe(new CountingObserver<StreamItem<WindowResult<int, long>>>(() => results++));
        }
        if (context.State is { } restoring)
        {
            restoring.RestoreAsync().GetAwaiter().GetResult(); // no changelog: completes at once
        }
        GC.Collect();
        int checkpoints = 0;
        var checkpointTime = TimeSpan.Zero;
        var watch = CpuWatch.Start();
        var clock = Stopwatch.StartNew();
        var observer = source.Observer;
        for (long i = 0; i < events; i++)
        {
            long time = i / EventsPerMs;
            observer.OnNext(StreamItem<Click>.Event(new Click((int)((ulong)(i * 2654435761L) % Keys), time), time));
            if ((i + 1) % 1000 == 0)
            {
                observer.OnNext(StreamItem<Click>.Watermark(time - 1));
                if (context.State is { } state && (i + 1) % 100_000 == 0 && clock.ElapsedMilliseconds >= 1000)
                {
                    long before = Stopwatch.GetTimestamp();
                    state.CheckpointAsync().GetAwaiter().GetResult();
                    checkpointTime += Stopwatch.GetElapsedTime(before);
                    checkpoints++;
                    clock.Restart();
                }
            }
        }
        observer.OnCompleted();
        var (wall, cpu) = watch.Elapsed();
        subscription.Dispose();
        context.State?.Dispose();
        return new MetricSet()
            .Add("events_per_s_per_core", events / wall.TotalSeconds)
            .Add("events", events)
            .Add("results", results)
            .Add("checkpoints", checkpoints)
            .Add("checkpoint_mean_ms", checkpoints == 0 ? 0 : checkpointTime.TotalMilliseconds / checkpoints)
            .Add("elapsed_s", wall.TotalSeconds)
            .Add("cpu_cores_used", cpu / wall);
    }

    /// <summary>Counts the events it sees.</summary>
    private sealed class CountingObserver<T>(Action onEvent) : IObserver<T>
    {
        public void OnNext(T value)
        {
            if (value is StreamItem<WindowResult<int, long>> { IsEvent: true })
            {
                onEvent();
            }
        }

        public void OnError(Exception error) => throw error;

        public void OnCompleted()
        {
        }
    }
}
