using Cep.Storage.Log;

namespace Cep.Storage.Tests.Log;

public sealed class CompactionTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000_000);

    [Fact]
    public async Task Compaction_keeps_the_latest_value_per_key_with_original_offsets_and_drops_old_tombstones()
    {
        using var directory = new TempDirectory();
        var time = new ManualTime(Start);
        var config = new LogConfig { SegmentBytes = 1024, CleanupPolicy = CleanupPolicy.Compact, DeleteRetentionMs = 60_000, FlushPolicy = FlushPolicy.Os };
        var options = new PartitionLogOptions { Time = time };
        using var log = PartitionLog.Open(directory.Path, "t", 0, config, options);
        long now = Start.ToUnixTimeMilliseconds();
        var latest = new Dictionary<string, (long Offset, string? Value)>();
        for (int i = 0; i < 200; i++)
        {
            string key = $"key-{i % 10}";
            string? value = i == 190 ? null : $"value-{i}-{new string('c', 20)}"; // key-0 deleted by its last write, at offset 190
            var result = await log.AppendAsync(Batches.Of((key, value, now)));
            latest[key] = (result.FirstOffset, value);
        }
        var sealedEnd = log.Segments[^1].BaseOffset;
        var cleaner = new LogCleaner(time);
        Assert.True(cleaner.Clean(log) > 0);

        var records = Batches.ReadAll(log);
        // Sealed part: at most one record per key, and it is the newest one there is (or the newest in the sealed part).
        var sealedRecords = records.Where(r => r.Offset < sealedEnd).ToList();
        Assert.Equal(sealedRecords.Count, sealedRecords.Select(r => r.Key).Distinct().Count());
        // Everything from the active segment is untouched.
        Assert.Equal(Enumerable.Range((int)sealedEnd, 200 - (int)sealedEnd).Select(i => (long)i), records.Where(r => r.Offset >= sealedEnd).Select(r => r.Offset));
        // Every key's latest value is still readable at its original offset.
        foreach (var (key, (offset, value)) in latest)
        {
            Assert.Contains((offset, key, value), records.Select(r => (r.Offset, r.Key, r.Value)));
        }
        Assert.Empty(log.Verify());
        Assert.Equal(200L, log.LogEndOffset);

        // Once delete.retention.ms has passed, the tombstone goes too (if it is in a sealed segment).
        time.Advance(TimeSpan.FromMinutes(2));
        await log.AppendAsync(Batches.Of(("key-1", new string('n', 1000), time.GetUtcNow().ToUnixTimeMilliseconds()))); // roll so offset 190 is sealed
        cleaner.Clean(log);
        var after = Batches.ReadAll(log);
        Assert.DoesNotContain(after, r => r.Key == "key-0");
        Assert.Empty(log.Verify());
    }

    [Fact]
    public async Task A_compacted_partition_reopens_with_the_cleaned_segments()
    {
        using var directory = new TempDirectory();
        var config = new LogConfig { SegmentBytes = 1024, CleanupPolicy = CleanupPolicy.Compact, FlushPolicy = FlushPolicy.Os };
        List<(long, string?, string?, long)> expected;
        using (var log = PartitionLog.Open(directory.Path, "t", 0, config))
        {
            for (int i = 0; i < 100; i++)
            {
                await log.AppendAsync(Batches.Of(($"k{i % 3}", $"v{i}-{new string('d', 30)}", i)));
            }
            long before = log.SizeInBytes;
            new LogCleaner(TimeProvider.System).Clean(log);
            Assert.True(log.SizeInBytes < before);
            expected = Batches.ReadAll(log);
        }
        using var reopened = PartitionLog.Open(directory.Path, "t", 0, config);
        Assert.Equal(expected, Batches.ReadAll(reopened));
        Assert.Empty(Directory.GetFiles(directory.Path, "*.cleaned"));
        Assert.Empty(reopened.Verify());
    }

    [Fact]
    public async Task Appends_continue_while_a_compaction_pass_runs()
    {
        using var directory = new TempDirectory();
        var config = new LogConfig { SegmentBytes = 4096, CleanupPolicy = CleanupPolicy.Compact, FlushPolicy = FlushPolicy.Os };
        using var log = PartitionLog.Open(directory.Path, "t", 0, config);
        for (int i = 0; i < 2000; i++)
        {
            await log.AppendAsync(Batches.Of(($"k{i % 50}", $"v{i}", i)));
        }
        var cleaner = new LogCleaner(TimeProvider.System);
        var cleaning = Task.Run(() => cleaner.Clean(log));
        for (int i = 2000; i < 2500; i++)
        {
            await log.AppendAsync(Batches.Of(($"k{i % 50}", $"v{i}", i)));
        }
        await cleaning;
        var records = Batches.ReadAll(log);
        Assert.Equal(2499L, records[^1].Offset);
        Assert.True(records.Count < 2500);
        Assert.Equal(records.Select(r => r.Offset).Order(), records.Select(r => r.Offset));
        foreach (int k in Enumerable.Range(0, 50))
        {
            Assert.Equal($"v{2450 + k}", records.Last(r => r.Key == $"k{k}").Value);
        }
    }
}
