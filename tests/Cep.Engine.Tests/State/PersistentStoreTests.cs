using System.Diagnostics;
using Cep.Engine.Serdes;
using Cep.Engine.State;
using Cep.Storage.State;

namespace Cep.Engine.Tests.State;

/// <summary>The persistent operator stores: checkpoints write only what changed since the last one, and a restore gives back what was checkpointed.</summary>
public sealed class PersistentStoreTests
{
    private static PersistentKeyValueStore<string, long> Counts() =>
        new("counts-0", "counts", StateSerde.For<string>(), (writer, value) => writer.Write(value), reader => reader.ReadInt64());

    [Fact]
    public void A_checkpoint_of_a_million_keys_writes_only_the_keys_changed_since_the_last_one()
    {
        using var directory = new TempDirectory();
        var store = Counts();
        using (var db = TaskStateDb.Open(directory.Path, [store.StoreName]))
        {
            for (int i = 0; i < 1_000_000; i++)
            {
                store.GetOrAdd($"k{i}", out _) = i;
            }
            store.WriteCheckpoint(db);
            Assert.Equal(1_000_000, db.PendingWrites);
            db.Checkpoint();

            store.GetOrAdd("k1", out _) += 100; // changed through the reference
            store.Set("k2", -2);
            store.Remove("k3");
            store.GetOrAdd("new", out _) = 7;
            store.Remove("new"); // added and removed between checkpoints: a delete of a key never written
            var started = Stopwatch.GetTimestamp();
            store.WriteCheckpoint(db);
            Assert.Equal(4, db.PendingWrites);
            db.Checkpoint();
            Assert.InRange(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 0, 1000);
        }

        var restored = Counts();
        using var reopened = TaskStateDb.Open(directory.Path, [restored.StoreName]);
        restored.Restore(reopened);
        Assert.Equal(999_999, restored.Count);
        Assert.True(restored.TryGet("k1", out long k1) && k1 == 101);
        Assert.True(restored.TryGet("k2", out long k2) && k2 == -2);
        Assert.False(restored.TryGet("k3", out _));
        Assert.False(restored.TryGet("new", out _));
    }

    [Fact]
    public void A_restored_session_store_closes_the_same_sessions_and_remembers_the_closed_ends()
    {
        using var directory = new TempDirectory();
        var store = new PersistentSessionStore<string, int>("session-0", StateSerde.For<string>(), StateSerde.For<int>());
        using (var db = TaskStateDb.Open(directory.Path, [store.StoreName]))
        {
            store.Add("a", 10, 20, 1);
            long merged = store.Add("a", 40, 50, 2);
            store.Add("b", 5, 8, 3);
            store.Add("c", 1, 2, 4);
            store.WriteCheckpoint(db);
            db.Checkpoint();

            store.Remove("a", merged);
            store.Add("b", 30, 35, 5);
            var closed = new List<KeyValuePair<string, Session<int>>>();
            store.CloseSessions(9, closed); // b's first session and c's
            store.ForgetClosed(3); // c: nothing open, closed at 2
            Assert.Equal(["b", "c"], closed.Select(c => c.Key).Order());
            store.WriteCheckpoint(db);
            Assert.Equal(3, db.PendingWrites); // a, b, and c's delete
            db.Checkpoint();
        }

        var restored = new PersistentSessionStore<string, int>("session-0", StateSerde.For<string>(), StateSerde.For<int>());
        using var reopened = TaskStateDb.Open(directory.Path, [restored.StoreName]);
        restored.Restore(reopened);
        Assert.Equal(2, restored.SessionCount);
        Assert.Equal(8, restored.LastClosedEnd("b"));
        Assert.Equal(long.MinValue, restored.LastClosedEnd("c"));
        var found = new List<Session<int>>();
        restored.FindSessions("a", long.MinValue, long.MaxValue, found);
        Assert.Equal([new Session<int>(10, 20, 1, 1)], found);
        long next = restored.Add("d", 60, 60, 6);
        Assert.True(next > 5, "new sessions get greater ids than the restored ones");
        var all = new List<KeyValuePair<string, Session<int>>>();
        restored.CloseSessions(long.MaxValue, all);
        Assert.Equal(["a", "b", "d"], all.Select(c => c.Key).Order());
    }
}
