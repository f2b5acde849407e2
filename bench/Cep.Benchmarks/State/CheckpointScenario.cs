using System.Diagnostics;
using Cep.Engine;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.State;
using Cep.Engine.Windows;
using Cep.Storage.State;
using Cep.Storage.Topics;

namespace Cep.Benchmarks.State;

/// <summary>
/// Checkpoints: (1) 1 M keys of window state (a count per key) written by a first, full
/// checkpoint, then by an incremental one after 10 % of the keys changed, then restored into a
/// fresh store from the checkpoint directory; (2) the window-count graph (tumbling 1 s count,
/// 10 K keys) with its state in the checkpointed store and a checkpoint every second of wall
/// time, against the same graph on the in-memory store without checkpoints, in the same run.
/// </summary>
internal sealed class CheckpointScenario : IScenario
{
    private const int StateKeys = 1_000_000;
    private const int GraphKeys = 10_000;
    private const int EventsPerMs = 100;
    private const int Rounds = 3;

    public string Name => "checkpoint";

    public string Description => "checkpoint/restore of 1 M keys of window state; window-count with a checkpoint every second vs without";

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        var (full, incremental, restore) = MeasureCheckpointAndRestore();
        long events = quick ? 60_000_000 : 300_000_000;
        RunGraph(events / 10, checkpointed: false); // warm-up
        var plain = new List<MetricSet>();
        var checkpointed = new List<MetricSet>();
        for (int round = 0; round < Rounds; round++)
        {
            plain.Add(RunGraph(events, checkpointed: false));
            checkpointed.Add(RunGraph(events, checkpointed: true));
        }
        var ours = Results.Median(checkpointed, "events_per_s_per_core");
        var peer = Results.Median(plain, "events_per_s_per_core");
        ours.Add("checkpoint_1m_keys_full_ms", full)
            .Add("checkpoint_1m_keys_10pct_changed_ms", incremental)
            .Add("restore_1m_keys_ms", restore);
        return Task.FromResult(new ScenarioResult(
            Name,
            $"state: {StateKeys:N0} keys (int → long) in one window; graph: {Rounds} rounds (median) of {events:N0} events, {GraphKeys:N0} keys, tumbling 1 s count, a checkpoint every second; one thread",
            ours,
            "events_per_s_per_core",
            0,
            new PeerResult("the same graph without checkpoints", "in-memory window store, no RocksDB", peer),
            [
                "checkpoint_*_ms: staging the changed entries, one WriteBatch, RocksDB checkpoint (memtable flush + hard links), manifest with CRC-32C of new files, rename; bars: < 1000 ms.",
                "restore_1m_keys_ms: verify the manifest (CRC of every file), copy the checkpoint, open RocksDB, load every entry into the store; bar: < 2000 ms.",
                "ratio = with checkpoints every second / without; bar: ≥ 0.95 (< 5 % cost).",
            ]));
    }

    private static (double FullMs, double IncrementalMs, double RestoreMs) MeasureCheckpointAndRestore()
    {
        using var directory = new TempDirectory("checkpoint");
        var store = new PersistentWindowStore<int, long>("window-0", StateSerde.For<int>(), StateSerde.For<long>());
        for (int key = 0; key < StateKeys; key++)
        {
            store.GetOrAdd(0, key, out _) = key;
        }
        double full, incremental;
        using (var db = TaskStateDb.Open(directory.Path, [store.StoreName]))
        {
            full = Time(() =>
            {
                store.WriteCheckpoint(db);
                db.Checkpoint();
            });

            for (int key = 0; key < StateKeys; key += 10)
            {
                store.GetOrAdd(0, key, out _)++;
            }
            incremental = Time(() =>
            {
                store.WriteCheckpoint(db);
                db.Checkpoint();
            });
        }
        var restored = new PersistentWindowStore<int, long>("window-0", StateSerde.For<int>(), StateSerde.For<long>());
        double restore = Time(() =>
        {
            using var db = TaskStateDb.Open(directory.Path, [restored.StoreName]);
            restored.Restore(db);
        });
        if (restored.Entries(0).Count() != StateKeys || restored.Find(0, 10) != 11)
        {
            throw new InvalidOperationException("the restored state differs from the checkpointed one");
        }
        return (full, incremental, restore);
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
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
        context.State?.Restore();
        GC.Collect();
        int checkpoints = 0;
        var watch = CpuWatch.Start();
        var clock = Stopwatch.StartNew();
        var observer = source.Observer;
        for (long i = 0; i < events; i++)
        {
            long time = i / EventsPerMs;
            observer.OnNext(StreamItem<Click>.Event(new Click((int)((ulong)(i * 2654435761L) % GraphKeys), time), time));
            if ((i + 1) % 1000 == 0)
            {
                observer.OnNext(StreamItem<Click>.Watermark(time - 1));
                if (context.State is { } state && (i + 1) % 100_000 == 0 && clock.ElapsedMilliseconds >= 1000)
                {
                    state.Checkpoint();
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
