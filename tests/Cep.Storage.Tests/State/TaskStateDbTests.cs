using System.Text;
using Cep.Storage.State;

namespace Cep.Storage.Tests.State;

public sealed class TaskStateDbTests
{
    [Fact]
    public void Reopening_restores_the_last_checkpoint_and_drops_writes_staged_after_it()
    {
        using var directory = new TempDirectory();
        using (var state = TaskStateDb.Open(directory.Path, ["counts"]))
        {
            Assert.Null(state.RestoredCheckpoint);
            Put(state, "counts", "a", "1");
            Put(state, "counts", "b", "2");
            Assert.Null(state.Get("counts", Bytes("a"))); // staged, not yet committed
            Assert.Equal(1, state.Checkpoint());
            Put(state, "counts", "a", "3");
            state.Delete("counts", Bytes("b"));
            Assert.Equal(2, state.Checkpoint());
            Put(state, "counts", "c", "lost"); // a crash before the next checkpoint
        }
        using var restored = TaskStateDb.Open(directory.Path, ["counts"]);
        Assert.Equal(2, restored.RestoredCheckpoint);
        Assert.Equal([("a", "3")], Scan(restored, "counts"));
        Assert.Equal(3, restored.Checkpoint());
    }

    [Fact]
    public void A_corrupt_newest_checkpoint_is_skipped_with_the_reason_and_the_previous_one_restored()
    {
        using var directory = new TempDirectory();
        using (var state = TaskStateDb.Open(directory.Path, ["s"]))
        {
            Put(state, "s", "k", "old");
            state.Checkpoint();
            Put(state, "s", "k", "new");
            state.Checkpoint();
        }
        string table = Directory.GetFiles(directory.Combine("checkpoints", "2"), "*.sst").OrderBy(f => f).Last();
        byte[] bytes = File.ReadAllBytes(table);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(table, bytes);

        using var restored = TaskStateDb.Open(directory.Path, ["s"]);
        Assert.Equal(1, restored.RestoredCheckpoint);
        Assert.Equal([("k", "old")], Scan(restored, "s"));
        string skipped = Assert.Single(restored.SkippedCheckpoints);
        Assert.Contains("checkpoint 2", skipped);
        Assert.Contains(Path.GetFileName(table), skipped);
        Assert.Contains("CRC-32C", skipped);
    }

    [Fact]
    public void A_checkpoint_without_its_manifest_or_one_left_half_written_is_not_restored()
    {
        using var directory = new TempDirectory();
        using (var state = TaskStateDb.Open(directory.Path, ["s"]))
        {
            Put(state, "s", "k", "1");
            state.Checkpoint();
            Put(state, "s", "k", "2");
            state.Checkpoint();
        }
        File.Delete(directory.Combine("checkpoints", "2", "CHECKPOINT"));
        Directory.CreateDirectory(directory.Combine("checkpoints", "3.tmp"));

        using var restored = TaskStateDb.Open(directory.Path, ["s"]);
        Assert.Equal(1, restored.RestoredCheckpoint);
        Assert.Contains("not completed", Assert.Single(restored.SkippedCheckpoints));
        Assert.False(Directory.Exists(directory.Combine("checkpoints", "3.tmp")));
        Assert.Equal([("k", "1")], Scan(restored, "s"));
    }

    [Fact]
    public void Only_the_last_checkpoints_are_kept()
    {
        using var directory = new TempDirectory();
        using var state = TaskStateDb.Open(directory.Path, ["s"], keep: 2);
        for (int i = 0; i < 5; i++)
        {
            Put(state, "s", "k", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            state.Checkpoint();
        }
        Assert.Equal(["4", "5"], Directory.GetDirectories(directory.Combine("checkpoints")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void Delete_range_removes_the_keys_in_the_range_only()
    {
        using var directory = new TempDirectory();
        using var state = TaskStateDb.Open(directory.Path, ["w"]);
        foreach (string key in new[] { "a1", "b1", "b2", "c1" })
        {
            Put(state, "w", key, key);
        }
        state.Checkpoint();
        state.DeleteRange("w", Bytes("b"), Bytes("c"));
        state.Checkpoint();
        Assert.Equal([("a1", "a1"), ("c1", "c1")], Scan(state, "w"));
    }

    [Fact]
    public void Stores_of_the_restored_state_are_opened_even_when_not_asked_for()
    {
        using var directory = new TempDirectory();
        using (var state = TaskStateDb.Open(directory.Path, ["x", "y"]))
        {
            state.Checkpoint();
        }
        using var restored = TaskStateDb.Open(directory.Path, ["x"]);
        Assert.Contains("y", restored.Stores);
        var error = Assert.Throws<ArgumentException>(() => restored.Get("z", Bytes("k")));
        Assert.Contains("no store 'z'", error.Message);
    }

    [Fact]
    public void A_checkpoint_that_cannot_be_written_names_itself_and_leaves_the_previous_one_as_the_latest()
    {
        using var directory = new TempDirectory();
        using (var state = TaskStateDb.Open(directory.Path, ["s"]))
        {
            Put(state, "s", "k", "1");
            state.Checkpoint();
            Directory.CreateDirectory(directory.Combine("checkpoints", "2")); // in the way of the next one, as a full disk would be
            Put(state, "s", "k", "2");
            var error = Assert.Throws<StorageException>(() => state.Checkpoint());
            Assert.StartsWith($"checkpoint 2 of {directory.Path} failed: ", error.Message);
            Assert.EndsWith("checkpoint 1 is still the latest", error.Message);
            Assert.Equal(1, state.LastCheckpoint);
            Assert.False(Directory.Exists(directory.Combine("checkpoints", "2.tmp")));
        }
        using var restored = TaskStateDb.Open(directory.Path, ["s"]);
        Assert.Equal(1, restored.RestoredCheckpoint);
        Assert.Equal([("k", "1")], Scan(restored, "s"));
    }

    private static void Put(TaskStateDb state, string store, string key, string value) => state.Put(store, Bytes(key), Bytes(value));

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static List<(string, string)> Scan(TaskStateDb state, string store) =>
        state.Scan(store).Select(e => (Encoding.UTF8.GetString(e.Key), Encoding.UTF8.GetString(e.Value))).ToList();
}
