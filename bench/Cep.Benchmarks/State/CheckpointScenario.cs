using System.Diagnostics;
using Cep.Engine;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.State;
using Cep.Engine.Windows;
using Cep.Storage.State;
using Cep.Storage.Topics;
using Microsoft.Extensions.Logging.Abstractions;

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

    public string Name => "checkpoint";

    public string Description => "checkpoint/restore of 1 M keys of window state; window-count with a checkpoint every second vs without";

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        var (full, incremental, restore) = MeasureCheckpointAndRestore();
        var (fullLogged, restoreLogged) = MeasureChangelog();
        // Each graph runs in a process of its own: in one process, tiered PGO specialises the
        // window operator for whichever store it meets first, and the other runs ~10 % slower
        // whichever it is (measured both ways), which would be a benchmark artefact, not a cost.
        var ours = CheckpointGraphScenario.RunInChildProcess(checkpointed: true, quick);
        var peer = CheckpointGraphScenario.RunInChildProcess(checkpointed: false, quick);
        long events = (long)ours["events"];
        ours.Add("checkpoint_1m_keys_full_ms", full)
            .Add("checkpoint_1m_keys_10pct_changed_ms", incremental)
            .Add("restore_1m_keys_ms", restore)
            .Add("checkpoint_1m_keys_full_with_changelog_ms", fullLogged)
            .Add("restore_1m_keys_from_changelog_ms", restoreLogged);
        return Task.FromResult(new ScenarioResult(
            Name,
            $"state: {StateKeys:N0} keys (int → long) in one window; graph: {CheckpointGraphScenario.Rounds} rounds (median) of {events:N0} events, {CheckpointGraphScenario.Keys:N0} keys, tumbling 1 s count, a checkpoint every second; one thread, each graph in its own process",
            ours,
            "events_per_s_per_core",
            0,
            new PeerResult("the same graph without checkpoints", "in-memory window store, no RocksDB", peer),
            [
                "checkpoint_*_ms: staging the changed entries, one WriteBatch, RocksDB checkpoint (memtable flush + hard links), manifest with CRC-32C of new files, rename; bars: < 1000 ms.",
                "restore_1m_keys_ms: verify the manifest (CRC of every file), copy the checkpoint, open RocksDB, load every entry into the store; bar: < 2000 ms.",
                "*_changelog_ms: the same full checkpoint with change tracking, its 1 M changes appended to a changelog topic (embedded log) before the RocksDB checkpoint; the restore into an empty directory reads the changelog alone (no local checkpoint), as a task moving to another machine does.",
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

    private static (double FullMs, double RestoreMs) MeasureChangelog()
    {
        using var directory = new TempDirectory("checkpoint-changelog");
        using var topics = TopicStore.Open(Path.Combine(directory.Path, "log"));
        var log = new EmbeddedTopicLog(topics);
        var store = new PersistentWindowStore<int, long>("window-0", StateSerde.For<int>(), StateSerde.For<long>());
        for (int key = 0; key < StateKeys; key++)
        {
            store.GetOrAdd(0, key, out _) = key;
        }
        double full;
        using (var db = TaskStateDb.Open(Path.Combine(directory.Path, "a"), [store.StoreName, TaskState.TaskStore], trackChanges: true))
        {
            var changelog = new Changelog(log, "bench", 0, 1, NullLogger.Instance);
            changelog.RestoreAsync(db).GetAwaiter().GetResult(); // fences: this task owns the changelog
            full = Time(() =>
            {
                store.WriteCheckpoint(db);
                changelog.AppendAsync(db, db.CommitChanges()).GetAwaiter().GetResult();
                db.Checkpoint();
            });
        }
        var restored = new PersistentWindowStore<int, long>("window-0", StateSerde.For<int>(), StateSerde.For<long>());
        double restore = Time(() =>
        {
            using var db = TaskStateDb.Open(Path.Combine(directory.Path, "b"), [restored.StoreName, TaskState.TaskStore], trackChanges: true);
            new Changelog(log, "bench", 0, 1, NullLogger.Instance).RestoreAsync(db).GetAwaiter().GetResult();
            restored.Restore(db);
        });
        if (restored.Entries(0).Count() != StateKeys || restored.Find(0, 10) != 10)
        {
            throw new InvalidOperationException("the state restored from the changelog differs from the checkpointed one");
        }
        return (full, restore);
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalMilliseconds;
    }
}
