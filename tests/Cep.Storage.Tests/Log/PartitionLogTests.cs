using Cep.Storage.Log;
using Cep.Storage.Records;

namespace Cep.Storage.Tests.Log;

public sealed class PartitionLogTests
{
    private static readonly LogConfig Small = new() { SegmentBytes = 1024, IndexIntervalBytes = 128, FlushPolicy = FlushPolicy.Os };

    [Fact]
    public async Task Appends_get_consecutive_offsets_and_read_back_in_order()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig());
        var first = await log.AppendAsync(Batches.Values(10, "a", "b", "c"));
        var second = await log.AppendAsync(Batches.Values(11, "d"));
        Assert.Equal((0L, 2L, 3), (first.FirstOffset, first.LastOffset, first.RecordCount));
        Assert.Equal((3L, 3L), (second.FirstOffset, second.LastOffset));
        Assert.Equal(4L, log.LogEndOffset);
        Assert.Equal(["a", "b", "c", "d"], Batches.ReadAll(log).Select(r => r.Value));
        Assert.Equal([1L, 2L, 3L], Batches.ReadAll(log, 1).Select(r => r.Offset));
    }

    [Fact]
    public async Task Segments_roll_at_segment_bytes_and_reads_cross_them()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, Small);
        for (int i = 0; i < 100; i++)
        {
            await log.AppendAsync(Batches.Values(i, $"value-{i:D3}-{new string('x', 40)}"));
        }
        Assert.True(log.SegmentCount > 5, $"expected several segments, got {log.SegmentCount}");
        Assert.All(Directory.GetFiles(directory.Path, "*.log"), f => Assert.True(new FileInfo(f).Length <= 1024));
        Assert.Equal(Enumerable.Range(0, 100).Select(i => $"value-{i:D3}-{new string('x', 40)}"), Batches.ReadAll(log).Select(r => r.Value));
        Assert.Equal(Enumerable.Range(37, 63).Select(i => (long)i), Batches.ReadAll(log, 37).Select(r => r.Offset));
        Assert.Contains(Directory.GetFiles(directory.Path, "*.log"), f => Path.GetFileName(f) == "00000000000000000000.log");
    }

    [Fact]
    public async Task Segments_roll_when_record_time_passes_segment_ms()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { SegmentMs = 1000, FlushPolicy = FlushPolicy.Os });
        await log.AppendAsync(Batches.Values(10_000, "a"));
        await log.AppendAsync(Batches.Values(10_900, "b"));
        Assert.Equal(1, log.SegmentCount);
        await log.AppendAsync(Batches.Values(11_001, "c"));
        Assert.Equal(2, log.SegmentCount);
        Assert.Equal(2L, log.Segments[1].BaseOffset);
    }

    [Fact]
    public async Task Reading_from_any_offset_uses_the_index_and_returns_whole_batches_from_there()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { IndexIntervalBytes = 100, FlushPolicy = FlushPolicy.Os });
        for (int i = 0; i < 200; i++)
        {
            await log.AppendAsync(Batches.Values(i, $"v{2 * i}", $"v{2 * i + 1}"));
        }
        for (long offset = 0; offset < 400; offset += 13)
        {
            var fetch = log.Read(offset, 1);
            var batch = Assert.Single(RecordBatch.ReadAll(fetch.Records));
            Assert.Equal(offset - offset % 2, batch.BaseOffset);
            Assert.Equal($"v{offset}", Batches.ReadAll(log, offset)[0].Value);
        }
        Assert.True(log.Read(400, 1 << 20).Records.IsEmpty);
    }

    [Fact]
    public async Task Out_of_range_offsets_name_the_valid_range()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "orders", 3, new LogConfig());
        await log.AppendAsync(Batches.Values(1, "a", "b"));
        var error = Assert.Throws<OffsetOutOfRangeException>(() => log.Read(5, 100));
        Assert.Equal("offset 5 is out of range for orders/3; valid offsets are [0, 2]", error.Message);
        Assert.Throws<OffsetOutOfRangeException>(() => log.Read(-1, 100));
    }

    [Fact]
    public async Task Timestamp_lookup_finds_the_first_record_at_or_after_the_time_across_segments()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, Small);
        // Timestamps rise by 10 per record, with one late record (offset 50 carries time 5).
        for (int i = 0; i < 100; i++)
        {
            long timestamp = i == 50 ? 5 : i * 10;
            await log.AppendAsync(Batches.Of(("k", $"value-{i}-{new string('y', 30)}", timestamp)));
        }
        Assert.True(log.SegmentCount > 3);
        Assert.Equal(0L, log.OffsetForTimestamp(0));
        Assert.Equal(1L, log.OffsetForTimestamp(1));
        Assert.Equal(1L, log.OffsetForTimestamp(10));
        Assert.Equal(42L, log.OffsetForTimestamp(415));
        Assert.Equal(51L, log.OffsetForTimestamp(500));
        Assert.Equal(99L, log.OffsetForTimestamp(990));
        Assert.Null(log.OffsetForTimestamp(991));
    }

    [Fact]
    public async Task Truncate_removes_whole_batches_from_the_offset_on_and_appends_continue_there()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, Small);
        for (int i = 0; i < 60; i++)
        {
            await log.AppendAsync(Batches.Values(i, $"value-{i}-{new string('z', 40)}"));
        }
        log.TruncateTo(25);
        Assert.Equal(25L, log.LogEndOffset);
        Assert.Equal(25, Batches.ReadAll(log).Count);
        var result = await log.AppendAsync(Batches.Values(100, "after"));
        Assert.Equal(25L, result.FirstOffset);
        Assert.Equal("after", Batches.ReadAll(log, 25).Single().Value);
        Assert.Equal(25L, log.OffsetForTimestamp(60));
    }

    [Fact]
    public async Task A_corrupt_batch_is_refused_whole_and_names_the_partition()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "orders", 1, new LogConfig());
        var good = Batches.Values(1, "good");
        var bad = Batches.Values(1, "bad").ToArray();
        bad[^1] ^= 0xff;
        byte[] both = [.. good.ToArray(), .. bad];
        var error = await Assert.ThrowsAsync<CorruptRecordException>(() => log.AppendAsync(both).AsTask());
        Assert.StartsWith("orders/1: the batch at byte 72 of the append is corrupt", error.Message);
        Assert.Contains("nothing was appended", error.Message);
        Assert.Equal(0L, log.LogEndOffset);
    }

    [Fact]
    public async Task A_batch_over_max_message_bytes_is_refused()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { MaxMessageBytes = 200 });
        var error = await Assert.ThrowsAsync<RecordTooLargeException>(() => log.AppendAsync(Batches.Values(1, new string('x', 300))).AsTask());
        Assert.Contains("exceeds max.message.bytes=200", error.Message);
        Assert.Equal(0L, log.LogEndOffset);
    }

    [Fact]
    public async Task A_compacted_topic_refuses_records_without_a_key()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { CleanupPolicy = CleanupPolicy.Compact });
        var error = await Assert.ThrowsAsync<InvalidRecordException>(() => log.AppendAsync(Batches.Values(1, "no key")).AsTask());
        Assert.Contains("compacted topic needs one", error.Message);
    }

    [Fact]
    public async Task Log_append_time_topics_stamp_the_append_time()
    {
        using var directory = new TempDirectory();
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000));
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { LogAppendTime = true }, new PartitionLogOptions { Time = time });
        var result = await log.AppendAsync(Batches.Values(5, "a", "b"));
        Assert.Equal(1_700_000_000_000L, result.LogAppendTime);
        Assert.All(Batches.ReadAll(log), r => Assert.Equal(1_700_000_000_000L, r.Timestamp));
        Assert.Empty(log.Verify());
    }

    [Fact]
    public async Task A_full_disk_fails_the_append_and_keeps_everything_acknowledged()
    {
        using var directory = new TempDirectory();
        FaultyLogFile? file = null;
        var options = new PartitionLogOptions { OpenLogFile = path => file = new FaultyLogFile(path) };
        var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Fsync }, options);
        await log.AppendAsync(Batches.Values(1, "one", "two"));
        file!.Capacity = file.Length + 30;
        var error = await Assert.ThrowsAsync<LogIOException>(() => log.AppendAsync(Batches.Values(2, "three", new string('x', 100))).AsTask());
        Assert.Contains("t/0: append at offset 2 failed, nothing was appended", error.Message);
        Assert.Equal(2L, log.LogEndOffset);
        Assert.Equal(["one", "two"], Batches.ReadAll(log).Select(r => r.Value));
        file.Capacity = long.MaxValue;
        Assert.Equal(2L, (await log.AppendAsync(Batches.Values(3, "four"))).FirstOffset);
        log.Dispose();

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, new LogConfig());
        Assert.Equal(["one", "two", "four"], Batches.ReadAll(reopened).Select(r => r.Value));
        Assert.Empty(reopened.Verify());
    }

    [Fact]
    public async Task Readers_tail_the_log_while_it_is_appended_to()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { SegmentBytes = 64 * 1024, FlushPolicy = FlushPolicy.Os });
        const int Batches = 300, PerBatch = 20;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        async Task<List<long>> Consume()
        {
            var seen = new List<long>();
            await foreach (var record in new PartitionReader(log, 0, maxBytes: 2048).ReadAsync(follow: true, cts.Token))
            {
                seen.Add(record.Offset);
                if (seen.Count == Batches * PerBatch)
                {
                    break;
                }
            }
            return seen;
        }
        var readers = new[] { Task.Run(Consume), Task.Run(Consume) };
        for (int b = 0; b < Batches; b++)
        {
            await log.AppendAsync(Tests.Batches.Values(b, Enumerable.Range(0, PerBatch).Select(i => $"{b}-{i}").ToArray()));
            if (b % 50 == 0)
            {
                await Task.Delay(5);
            }
        }
        foreach (var reader in readers)
        {
            Assert.Equal(Enumerable.Range(0, Batches * PerBatch).Select(i => (long)i), await reader);
        }
        Assert.True(log.SegmentCount > 1);
    }

    [Fact]
    public async Task Wait_for_data_completes_on_the_next_append_without_polling()
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig());
        var waiting = log.WaitForDataAsync(0, CancellationToken.None);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        await log.AppendAsync(Batches.Values(1, "wake"));
        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        using var cts = new CancellationTokenSource();
        var cancelled = log.WaitForDataAsync(1, cts.Token);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
    }
}
