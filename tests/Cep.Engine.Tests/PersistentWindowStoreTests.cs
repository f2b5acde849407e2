using Cep.Engine.Serdes;
using Cep.Engine.State;
using Cep.Storage.State;

namespace Cep.Engine.Tests;

public sealed class PersistentWindowStoreTests
{
    private static PersistentWindowStore<string, long> NewStore() => new("window-0", StateSerde.For<string>(), StateSerde.For<long>());

    private static PersistentWindowStore<string, long> Restored(string directory)
    {
        var store = NewStore();
        using var db = TaskStateDb.Open(directory, [store.StoreName]);
        store.Restore(db);
        return store;
    }

    private static void Checkpoint(string directory, PersistentWindowStore<string, long> store, Action<PersistentWindowStore<string, long>> change)
    {
        using var db = TaskStateDb.Open(directory, [store.StoreName]);
        change(store);
        store.WriteCheckpoint(db);
        db.Checkpoint();
    }

    [Fact]
    public void A_restored_store_holds_the_checkpointed_entries_in_first_added_order_per_window()
    {
        using var directory = new TempDirectory();
        var keys = Enumerable.Range(0, 5000).Select(i => $"key-{(i * 7919) % 5000}").ToList();
        Checkpoint(directory.Path, NewStore(), store =>
        {
            foreach (string key in keys)
            {
                store.GetOrAdd(1000, key, out _) = key.Length;
                store.GetOrAdd(2000, key, out _) += 2;
            }
        });
        var restored = Restored(directory.Path);
        Assert.Equal(keys, restored.Entries(1000).Select(e => e.Key));
        Assert.All(restored.Entries(2000), e => Assert.Equal(2, e.Value));
        Assert.True(restored.TryGetOldestWindow(out long oldest));
        Assert.Equal(1000, oldest);
    }

    [Fact]
    public void Changes_after_a_restore_and_closed_windows_are_checkpointed_without_leaving_stale_entries()
    {
        using var directory = new TempDirectory();
        Checkpoint(directory.Path, NewStore(), store =>
        {
            store.GetOrAdd(0, "a", out _) = 1;
            store.GetOrAdd(0, "b", out _) = 2;
            store.GetOrAdd(10, "a", out _) = 3;
        });
        var restored = Restored(directory.Path);
        Checkpoint(directory.Path, restored, store =>
        {
            store.Find(10, "a") = 30;            // changed in place through the reference
            store.GetOrAdd(10, "c", out _) = 4;  // added after the restore
            store.RemoveWindow(0);               // closed
        });
        var again = Restored(directory.Path);
        Assert.False(again.TryGetOldestWindow(out long oldest) && oldest == 0);
        Assert.Equal(1, again.WindowCount);
        Assert.Equal([("a", 30L), ("c", 4L)], again.Entries(10).Select(e => (e.Key, e.Value)));
    }
}
