using Cep.Storage.Log;

namespace Cep.Storage.Tests.Log;

public sealed class RetentionTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_000_000_000);

    private static async Task Fill(PartitionLog log, int records, Func<int, long> timestamp)
    {
        for (int i = 0; i < records; i++)
        {
            await log.AppendAsync(Batches.Values(timestamp(i), $"record-{i}-{new string('q', 60)}"));
        }
    }

    [Fact]
    public async Task Segments_whose_newest_record_is_older_than_retention_ms_are_deleted_oldest_first()
    {
        using var directory = new TempDirectory();
        var time = new ManualTime(Start);
        var config = new LogConfig { SegmentBytes = 1024, RetentionMs = 60_000, FlushPolicy = FlushPolicy.Os };
        using var log = PartitionLog.Open(directory.Path, "t", 0, config, new PartitionLogOptions { Time = time });
        long now = Start.ToUnixTimeMilliseconds();
        await Fill(log, 100, i => now - 120_000 + i * 1000); // records from 2 minutes ago up to 20 s ago
        int before = log.SegmentCount;
        int deleted = log.EnforceRetention();
        Assert.True(deleted > 0);
        Assert.Equal(before - deleted, log.SegmentCount);
        Assert.Equal(0, log.EnforceRetention()); // nothing more is due

        // Records older than 60 s are those with i < 60; a segment goes only when all its records have.
        var remaining = Batches.ReadAll(log);
        Assert.True(log.LogStartOffset > 0 && log.LogStartOffset <= 60, $"log start {log.LogStartOffset}");
        Assert.All(remaining.Where(r => r.Offset < 60), r => Assert.True(r.Offset >= log.LogStartOffset));
        Assert.Equal(Enumerable.Range((int)log.LogStartOffset, 100 - (int)log.LogStartOffset).Select(i => (long)i), remaining.Select(r => r.Offset));
        Assert.Equal(100L, log.LogEndOffset);
        var error = Assert.Throws<OffsetOutOfRangeException>(() => log.Read(0, 100));
        Assert.Contains($"valid offsets are [{log.LogStartOffset}, 100]", error.Message);
        Assert.Equal(Directory.GetFiles(directory.Path, "*.log").Length, log.SegmentCount);
    }

    [Fact]
    public async Task When_everything_expired_the_active_segment_is_rolled_and_the_log_empties_but_keeps_its_offsets()
    {
        using var directory = new TempDirectory();
        var time = new ManualTime(Start);
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { RetentionMs = 1000 }, new PartitionLogOptions { Time = time });
        await Fill(log, 5, _ => Start.ToUnixTimeMilliseconds());
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(1, log.EnforceRetention());
        Assert.Equal(5L, log.LogStartOffset);
        Assert.Equal(5L, log.LogEndOffset);
        Assert.Empty(Batches.ReadAll(log));
        Assert.Equal(5L, (await log.AppendAsync(Batches.Values(Start.ToUnixTimeMilliseconds(), "new"))).FirstOffset);
    }

    [Fact]
    public async Task Retention_bytes_deletes_the_oldest_segments_while_the_rest_still_exceeds_it()
    {
        using var directory = new TempDirectory();
        var config = new LogConfig { SegmentBytes = 1024, RetentionBytes = 3000, FlushPolicy = FlushPolicy.Os };
        using var log = PartitionLog.Open(directory.Path, "t", 0, config);
        await Fill(log, 100, i => i);
        long before = log.SizeInBytes;
        int deleted = log.EnforceRetention();
        Assert.True(deleted > 0);
        Assert.True(log.SizeInBytes < 3000 + 1024, $"{log.SizeInBytes} bytes left");
        Assert.True(log.SizeInBytes >= 3000 - 1024 || log.SegmentCount == 1);
        Assert.True(before > log.SizeInBytes);
        Assert.Equal(99L, Batches.ReadAll(log).Last().Offset);
    }

    [Fact]
    public async Task The_default_keeps_everything_forever()
    {
        using var directory = new TempDirectory();
        var time = new ManualTime(Start);
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { SegmentBytes = 1024 }, new PartitionLogOptions { Time = time });
        await Fill(log, 50, i => i);
        time.Advance(TimeSpan.FromDays(3650));
        Assert.Equal(0, log.EnforceRetention());
        Assert.Equal(0L, log.LogStartOffset);
    }
}
