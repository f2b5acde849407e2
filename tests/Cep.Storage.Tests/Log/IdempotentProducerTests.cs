using Cep.Storage.Log;
using Cep.Storage.Records;

namespace Cep.Storage.Tests.Log;

/// <summary>
/// Idempotent producers (KIP-98): a retried batch is acknowledged with its original offsets and
/// stored once; gaps and fenced epochs are refused with nothing appended; the producer table
/// survives close, crash, a corrupt snapshot and truncation.
/// </summary>
public sealed class IdempotentProducerTests
{
    private const long Producer = 7;

    /// <summary>Small segments so a few dozen batches roll several times (and write snapshots).</summary>
    private static readonly LogConfig Rolling = new() { SegmentBytes = 1024, IndexIntervalBytes = 128, FlushPolicy = FlushPolicy.Os };

    private static Memory<byte> Batch(short epoch, int baseSequence, params string[] values) =>
        Batches.Idempotent(Producer, epoch, baseSequence, 100, null, values);

    private static Memory<byte> Concat(params Memory<byte>[] batches) => batches.SelectMany(b => b.ToArray()).ToArray();

    private static List<string?> Values(PartitionLog log) => Batches.ReadAll(log).Select(r => r.Value).ToList();

    private static string[] Snapshots(string directory) => Directory.GetFiles(directory, "*.snapshot").Order().ToArray();

    /// <summary>Appends <paramref name="count"/> one-record batches with sequences 0.. and returns where each landed.</summary>
    private static async Task<List<AppendResult>> AppendSequence(PartitionLog log, int count)
    {
        var results = new List<AppendResult>();
        for (int i = 0; i < count; i++)
        {
            results.Add(await log.AppendAsync(Batch(0, i, $"seq-{i}-{new string('p', 60)}")));
        }
        return results;
    }

    /// <summary>Fills a log with <paramref name="count"/> batches from one producer and closes it cleanly.</summary>
    private static async Task<List<AppendResult>> ClosedAfterSequence(string directory, int count)
    {
        using var log = PartitionLog.Open(directory, "t", 0, Rolling);
        return await AppendSequence(log, count);
    }

    /// <summary>Retries each of the last five batches (all recognised), and the sixth from last (too old: refused).</summary>
    private static async Task AssertRecentRetriesRecognised(PartitionLog log, List<AppendResult> original)
    {
        long end = log.LogEndOffset;
        int count = original.Count;
        for (int i = count - ProducerState.RetainedBatches; i < count; i++)
        {
            var retry = await log.AppendAsync(Batch(0, i, $"seq-{i}-{new string('p', 60)}"));
            Assert.True(retry.IsDuplicate, $"batch {i} was not recognised as a retry");
            Assert.Equal((original[i].FirstOffset, original[i].LastOffset), (retry.FirstOffset, retry.LastOffset));
        }
        int old = count - ProducerState.RetainedBatches - 1;
        var error = await Assert.ThrowsAsync<OutOfOrderSequenceException>(() => log.AppendAsync(Batch(0, old, "old")).AsTask());
        Assert.Contains($"expected sequence {count}, received {old}", error.Message);
        Assert.Equal(end, log.LogEndOffset);
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"seq-{i}-{new string('p', 60)}"), Values(log));
    }

    [Fact]
    public async Task A_retried_batch_is_acknowledged_with_the_original_offsets_and_stored_once()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Os });
        await log.AppendAsync(Batches.Values(1, "plain"));
        var first = await log.AppendAsync(Batch(0, 0, "a", "b", "c"));
        var second = await log.AppendAsync(Batch(0, 3, "d"));

        var retry = await log.AppendAsync(Batch(0, 0, "a", "b", "c"));

        Assert.Equal(new AppendResult(1, 3, -1, 3), first);
        Assert.Equal(new AppendResult(1, 3, -1, 3) { IsDuplicate = true }, retry);
        Assert.Equal((4L, 4L, false), (second.FirstOffset, second.LastOffset, second.IsDuplicate));
        Assert.Equal(5L, log.LogEndOffset);
        Assert.Equal(["plain", "a", "b", "c", "d"], Values(log));
        var state = log.GetProducerState(Producer)!;
        Assert.Equal((0, 3, 4L), ((int)state.Epoch, state.LastSequence, state.LastOffset));
        Assert.Equal([new ProducerBatch(0, 2, 1, 3, 100), new ProducerBatch(3, 3, 4, 4, 100)], state.Batches.ToArray());
    }

    [Fact]
    public async Task A_retry_on_a_log_append_time_topic_gets_the_time_of_the_original_append()
    {
        using var directory = new TempDirectory();
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(5_000));
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { LogAppendTime = true, FlushPolicy = FlushPolicy.Os }, new PartitionLogOptions { Time = time });
        var original = await log.AppendAsync(Batch(0, 0, "a"));
        time.Advance(TimeSpan.FromSeconds(1));

        var retry = await log.AppendAsync(Batch(0, 0, "a"));

        Assert.Equal(new AppendResult(0, 0, 5_000, 1) { IsDuplicate = true }, retry);
        Assert.Equal(original.LogAppendTime, retry.LogAppendTime);
    }

    [Fact]
    public async Task A_request_of_only_retries_is_acknowledged_whole_and_a_request_mixing_retries_with_new_batches_is_refused()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Os });
        await log.AppendAsync(Concat(Batch(0, 0, "a", "b"), Batch(0, 2, "c")));

        var retry = await log.AppendAsync(Concat(Batch(0, 0, "a", "b"), Batch(0, 2, "c")));
        var mixed = await Assert.ThrowsAsync<InvalidRecordException>(() => log.AppendAsync(Concat(Batch(0, 2, "c"), Batch(0, 3, "d"))).AsTask());

        Assert.Equal(new AppendResult(0, 2, -1, 3) { IsDuplicate = true }, retry);
        Assert.Contains("mixes 1 batch(es) already appended", mixed.Message);
        Assert.Equal(3L, log.LogEndOffset);
        Assert.Equal(3, (await log.AppendAsync(Batch(0, 3, "d"))).FirstOffset);
        Assert.Equal(["a", "b", "c", "d"], Values(log));
    }

    [Fact]
    public async Task A_sequence_gap_is_refused_naming_producer_and_sequences_and_the_next_batch_in_sequence_still_works()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Os });
        await log.AppendAsync(Batch(0, 0, "a", "b"));

        var error = await Assert.ThrowsAsync<OutOfOrderSequenceException>(() => log.AppendAsync(Batch(0, 5, "f")).AsTask());
        // Two batches in one request: the second's gap refuses the first too.
        await Assert.ThrowsAsync<OutOfOrderSequenceException>(() => log.AppendAsync(Concat(Batch(0, 2, "c"), Batch(0, 4, "e"))).AsTask());

        Assert.Equal("t/0: producer 7 epoch 0: expected sequence 2, received 5 (a gap: records in between are missing); nothing was appended", error.Message);
        Assert.Equal(2L, log.LogEndOffset);
        Assert.Equal(1, log.GetProducerState(Producer)!.LastSequence);
        Assert.Equal(2, (await log.AppendAsync(Batch(0, 2, "c"))).FirstOffset);
        Assert.Equal(["a", "b", "c"], Values(log));
    }

    [Fact]
    public async Task An_older_epoch_is_fenced_and_a_newer_epoch_must_start_at_sequence_zero()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Os });
        await log.AppendAsync(Batch(1, 0, "a"));
        await log.AppendAsync(Batch(1, 1, "b"));

        var notFromZero = await Assert.ThrowsAsync<OutOfOrderSequenceException>(() => log.AppendAsync(Batch(2, 2, "c")).AsTask());
        var fresh = await log.AppendAsync(Batch(2, 0, "c"));
        var fenced = await Assert.ThrowsAsync<InvalidProducerEpochException>(() => log.AppendAsync(Batch(1, 2, "zombie")).AsTask());
        var staleRetry = await Assert.ThrowsAsync<InvalidProducerEpochException>(() => log.AppendAsync(Batch(1, 1, "b")).AsTask());

        Assert.Contains("producer 7 starts epoch 2 (after 1) at sequence 2; expected sequence 0", notFromZero.Message);
        Assert.Equal((2L, false), (fresh.FirstOffset, fresh.IsDuplicate));
        Assert.Equal("t/0: producer 7 sent epoch 1, but epoch 2 is current (an older instance was fenced); nothing was appended", fenced.Message);
        Assert.Contains("epoch 2 is current", staleRetry.Message);
        Assert.Equal(["a", "b", "c"], Values(log));
        var state = log.GetProducerState(Producer)!;
        Assert.Equal((2, 0), ((int)state.Epoch, state.LastSequence));
        Assert.Single(state.Batches);
    }

    [Fact]
    public async Task Sequences_wrap_from_int_max_to_zero_and_an_unknown_producer_may_start_anywhere()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Os });
        await log.AppendAsync(Batch(0, int.MaxValue - 1, "a", "b", "c"));

        Assert.Equal(0, log.GetProducerState(Producer)!.LastSequence);
        await Assert.ThrowsAsync<OutOfOrderSequenceException>(() => log.AppendAsync(Batch(0, 0, "x")).AsTask());
        Assert.False((await log.AppendAsync(Batch(0, 1, "d"))).IsDuplicate);
        Assert.True((await log.AppendAsync(Batch(0, int.MaxValue - 1, "a", "b", "c"))).IsDuplicate);
        Assert.Equal(["a", "b", "c", "d"], Values(log));
    }

    [Fact]
    public async Task Batches_without_a_producer_id_are_appended_every_time()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Os });
        var first = await log.AppendAsync(Batches.Values(1, "same"));
        var second = await log.AppendAsync(Batches.Values(1, "same"));

        Assert.Equal(new AppendResult(0, 0, -1, 1), first);
        Assert.Equal(new AppendResult(1, 1, -1, 1), second);
        Assert.Equal(["same", "same"], Values(log));
        Assert.Null(log.GetProducerState(-1));
    }

    [Fact]
    public async Task Retries_are_recognised_after_a_clean_close_from_the_snapshot()
    {
        using var directory = new TempDirectory();
        var original = await ClosedAfterSequence(directory.Path, 30);
        Assert.True(Directory.GetFiles(directory.Path, "*.log").Length > 2);
        Assert.Contains(Snapshots(directory.Path), f => Path.GetFileName(f) == "00000000000000000030.snapshot");
        Assert.True(Snapshots(directory.Path).Length <= 3, "old snapshots are deleted");

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Rolling);
        await AssertRecentRetriesRecognised(reopened, original);
        Assert.Equal(30, (await reopened.AppendAsync(Batch(0, 30, "next"))).FirstOffset);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Retries_are_recognised_after_a_crash_by_scanning_the_batches_no_snapshot_covers(bool noSnapshotAtAll)
    {
        using var directory = new TempDirectory();
        var log = PartitionLog.Open(directory.Path, "t", 0, Rolling);
        var original = await AppendSequence(log, 30);
        long activeBase = log.Segments[^1].BaseOffset;
        Assert.True(activeBase is > 25 and < 30, $"the last five batches should span a sealed segment and the active one (active base {activeBase})");
        log.Dispose();
        // A crash: no clean-shutdown marker and no snapshot written at close; with noSnapshotAtAll
        // the roll snapshots are gone too, so the whole log is scanned.
        File.Delete(Path.Combine(directory.Path, ".clean-shutdown"));
        foreach (string snapshot in Snapshots(directory.Path).Where(f => noSnapshotAtAll || f.EndsWith("00000000000000000030.snapshot", StringComparison.Ordinal)))
        {
            File.Delete(snapshot);
        }

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Rolling);
        await AssertRecentRetriesRecognised(reopened, original);
    }

    [Fact]
    public async Task A_corrupt_snapshot_is_skipped_and_an_older_one_plus_a_scan_gives_the_same_table()
    {
        using var directory = new TempDirectory();
        var original = await ClosedAfterSequence(directory.Path, 30);
        string newest = Snapshots(directory.Path)[^1];
        var bytes = File.ReadAllBytes(newest);
        bytes[^3] ^= 0x40; // inside the last batch entry: only the CRC can tell
        File.WriteAllBytes(newest, bytes);
        string leftover = newest + ".tmp"; // a write a crash interrupted before its rename
        File.WriteAllBytes(leftover, bytes[..10]);

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Rolling);
        Assert.False(File.Exists(newest));
        Assert.False(File.Exists(leftover));
        await AssertRecentRetriesRecognised(reopened, original);
    }

    [Fact]
    public async Task After_truncation_the_table_matches_the_shorter_log_and_a_cut_batch_can_be_appended_again()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, Rolling);
        var original = await AppendSequence(log, 30);
        long cut = original[20].FirstOffset;

        log.TruncateTo(cut);

        Assert.Equal(cut, log.LogEndOffset);
        Assert.Equal(19, log.GetProducerState(Producer)!.LastSequence);
        Assert.All(Snapshots(directory.Path), f => Assert.True(long.Parse(Path.GetFileNameWithoutExtension(f)) <= cut));
        // Batch 22 was cut: it is now a gap, not a retry.
        await Assert.ThrowsAsync<OutOfOrderSequenceException>(() => log.AppendAsync(Batch(0, 22, $"seq-22-{new string('p', 60)}")).AsTask());
        var again = await log.AppendAsync(Batch(0, 20, $"seq-20-{new string('p', 60)}"));
        Assert.Equal((cut, false), (again.FirstOffset, again.IsDuplicate));
        Assert.True((await log.AppendAsync(Batch(0, 19, $"seq-19-{new string('p', 60)}"))).IsDuplicate);
        Assert.Equal(Enumerable.Range(0, 21).Select(i => $"seq-{i}-{new string('p', 60)}"), Values(log));
    }

    [Fact]
    public async Task Truncating_below_the_log_start_forgets_every_producer()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, Rolling);
        await AppendSequence(log, 3);

        log.TruncateTo(0);

        Assert.Null(log.GetProducerState(Producer));
        Assert.Equal(0, (await log.AppendAsync(Batch(0, 0, "again"))).FirstOffset);
    }

    [Fact]
    public async Task A_snapshot_above_the_end_recovery_cut_to_is_not_trusted()
    {
        using var directory = new TempDirectory();
        await ClosedAfterSequence(directory.Path, 30);
        // A crash that tore the last batch, after a snapshot at 30 had been written.
        File.Delete(Path.Combine(directory.Path, ".clean-shutdown"));
        string active = Directory.GetFiles(directory.Path, "*.log").Order().Last();
        var bytes = File.ReadAllBytes(active);
        bytes[^5] ^= 0x01;
        File.WriteAllBytes(active, bytes);

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Rolling);

        Assert.Equal(29L, reopened.LogEndOffset);
        Assert.DoesNotContain(Snapshots(directory.Path), f => f.EndsWith("00000000000000000030.snapshot", StringComparison.Ordinal));
        Assert.Equal(28, reopened.GetProducerState(Producer)!.LastSequence);
        var again = await reopened.AppendAsync(Batch(0, 29, "seq-29 again"));
        Assert.Equal((29L, false), (again.FirstOffset, again.IsDuplicate));
    }

    [Fact]
    public async Task An_append_that_fails_half_way_leaves_the_table_as_it_was()
    {
        using var directory = new TempDirectory();
        using var log = FaultyLogFile.OpenPartition(directory.Path, new LogConfig { FlushPolicy = FlushPolicy.Os }, out var active);
        await log.AppendAsync(Batch(0, 0, "a", "b"));
        var first = Batch(0, 2, "c");
        var file = active();
        file.Capacity = file.Length + first.Length + 10; // the first batch fits, the second is torn

        await Assert.ThrowsAsync<LogIOException>(() => log.AppendAsync(Concat(first, Batch(0, 3, "d"))).AsTask());

        Assert.Equal(1, log.GetProducerState(Producer)!.LastSequence);
        file.Capacity = long.MaxValue;
        var retry = await log.AppendAsync(Concat(Batch(0, 2, "c"), Batch(0, 3, "d")));
        Assert.Equal((2L, 3L, false), (retry.FirstOffset, retry.LastOffset, retry.IsDuplicate));
        Assert.Equal(["a", "b", "c", "d"], Values(log));
    }

    [Fact]
    public async Task Retention_forgets_producers_whose_batches_were_all_deleted_now_and_after_reopening()
    {
        using var directory = new TempDirectory();
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(1_000_000));
        var config = Rolling with { RetentionMs = 60_000, SegmentMs = 100_000 }; // the first new batch rolls
        var options = new PartitionLogOptions { Time = time };
        using (var log = PartitionLog.Open(directory.Path, "t", 0, config, options))
        {
            for (int i = 0; i < 10; i++)
            {
                await log.AppendAsync(Batches.Idempotent(1, 0, i, 0, null, $"old-{i}-{new string('o', 60)}"));
            }
            for (int i = 0; i < 20; i++)
            {
                await log.AppendAsync(Batches.Idempotent(2, 0, i, 990_000, null, $"new-{i}-{new string('n', 60)}"));
            }

            Assert.True(log.EnforceRetention() > 0);

            Assert.True(log.LogStartOffset >= 10, $"log start {log.LogStartOffset}");
            Assert.Null(log.GetProducerState(1));
            Assert.Equal(19, log.GetProducerState(2)!.LastSequence);
        }
        using var reopened = PartitionLog.Open(directory.Path, "t", 0, config, options);
        Assert.Null(reopened.GetProducerState(1));
        Assert.Equal(19, reopened.GetProducerState(2)!.LastSequence);
        // Unknown again, producer 1 may go on from where it was.
        Assert.False((await reopened.AppendAsync(Batches.Idempotent(1, 0, 10, 1_000_000, null, "old-10"))).IsDuplicate);
    }

    [Fact]
    public async Task Compaction_keeps_a_producers_emptied_last_batch_so_a_rebuild_from_the_log_still_knows_it()
    {
        using var directory = new TempDirectory();
        var config = Rolling with { CleanupPolicy = CleanupPolicy.Compact };
        using (var log = PartitionLog.Open(directory.Path, "t", 0, config))
        {
            await log.AppendAsync(Batches.Idempotent(Producer, 0, 0, 100, "k", "old"));
            for (int i = 0; i < 20; i++)
            {
                await log.AppendAsync(Batches.Of(("k", $"new-{i}-{new string('n', 60)}", 100)));
            }
            Assert.True(new LogCleaner(TimeProvider.System).Clean(log) > 0);
            Assert.DoesNotContain(Batches.ReadAll(log), r => r.Value == "old");
            Assert.Empty(log.Verify());
        }
        foreach (string snapshot in Snapshots(directory.Path))
        {
            File.Delete(snapshot); // so the table is rebuilt from the compacted log alone
        }

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, config);

        Assert.Equal((0, 0L), (reopened.GetProducerState(Producer)?.LastSequence, reopened.GetProducerState(Producer)?.LastOffset));
        var retry = await reopened.AppendAsync(Batches.Idempotent(Producer, 0, 0, 100, "k", "old"));
        Assert.Equal((0L, true), (retry.FirstOffset, retry.IsDuplicate));
    }
}
