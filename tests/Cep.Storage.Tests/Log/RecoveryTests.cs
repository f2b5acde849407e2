using Cep.Storage.Log;

namespace Cep.Storage.Tests.Log;

/// <summary>Opening a log after a crash: torn tails cut, indexes rebuilt, nothing acknowledged lost.</summary>
public sealed class RecoveryTests
{
    private static readonly LogConfig Config = new() { SegmentBytes = 2048, IndexIntervalBytes = 100, FlushPolicy = FlushPolicy.Os };

    private static async Task<PartitionLog> Filled(string directory, int records)
    {
        var log = PartitionLog.Open(directory, "t", 0, Config);
        for (int i = 0; i < records; i++)
        {
            await log.AppendAsync(Batches.Values(i * 10, $"record-{i}-{new string('r', 20)}"));
        }
        return log;
    }

    /// <summary>A crash is a close without the clean-shutdown marker.</summary>
    private static void Crash(PartitionLog log, string directory)
    {
        log.Dispose();
        File.Delete(Path.Combine(directory, ".clean-shutdown"));
    }

    private static string ActiveSegment(string directory) => Directory.GetFiles(directory, "*.log").Order().Last();

    [Fact]
    public async Task Garbage_after_the_last_batch_is_cut_and_counted()
    {
        using var directory = new TempDirectory();
        Crash(await Filled(directory.Path, 10), directory.Path);
        string active = ActiveSegment(directory.Path);
        long length = new FileInfo(active).Length;
        File.AppendAllText(active, "half a batch that never finished");

        using var log = PartitionLog.Open(directory.Path, "t", 0, Config);
        Assert.Equal(32L, log.TruncatedOnOpen);
        Assert.Equal(length, new FileInfo(active).Length);
        Assert.Equal(10L, log.LogEndOffset);
        Assert.Equal(10, Batches.ReadAll(log).Count);
    }

    [Fact]
    public async Task A_corrupt_batch_in_the_active_segment_and_everything_after_it_are_cut()
    {
        using var directory = new TempDirectory();
        var log = await Filled(directory.Path, 30);
        long activeBase = log.Segments[^1].BaseOffset;
        long end = log.LogEndOffset;
        Crash(log, directory.Path);
        string active = ActiveSegment(directory.Path);
        var bytes = File.ReadAllBytes(active);
        int batchSize = Batches.Values(0, $"record-0-{new string('r', 20)}").Length;
        bytes[batchSize + 70] ^= 0x01; // inside the second batch of the active segment
        File.WriteAllBytes(active, bytes);

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Config);
        Assert.Equal(activeBase + 1, reopened.LogEndOffset);
        Assert.True(end > reopened.LogEndOffset);
        Assert.Equal(Enumerable.Range(0, (int)activeBase + 1).Select(i => (long)i), Batches.ReadAll(reopened).Select(r => r.Offset));
        Assert.Empty(reopened.Verify());
    }

    [Fact]
    public async Task A_missing_or_garbled_index_is_rebuilt_and_lookups_still_work()
    {
        using var directory = new TempDirectory();
        var log = await Filled(directory.Path, 60);
        Assert.True(log.SegmentCount >= 3);
        log.Dispose();
        var indexes = Directory.GetFiles(directory.Path, "*.index").Order().ToArray();
        File.Delete(indexes[0]);
        File.WriteAllBytes(indexes[1], [1, 2, 3, 4, 5, 6, 7]);
        File.Delete(Directory.GetFiles(directory.Path, "*.timeindex").Order().First());

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Config);
        Assert.True(File.Exists(indexes[0]));
        Assert.Equal(0, new FileInfo(indexes[1]).Length % 8);
        Assert.True(new FileInfo(indexes[0]).Length > 0);
        for (long offset = 0; offset < 60; offset += 7)
        {
            Assert.Equal(offset, Batches.ReadAll(reopened, offset)[0].Offset);
            Assert.Equal(offset, reopened.OffsetForTimestamp(offset * 10));
        }
        Assert.Empty(reopened.Verify());
    }

    [Fact]
    public async Task A_clean_shutdown_reopens_to_the_same_log()
    {
        using var directory = new TempDirectory();
        var log = await Filled(directory.Path, 40);
        var before = Batches.ReadAll(log);
        int segments = log.SegmentCount;
        log.Dispose();
        Assert.True(File.Exists(Path.Combine(directory.Path, ".clean-shutdown")));

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Config);
        Assert.False(File.Exists(Path.Combine(directory.Path, ".clean-shutdown")));
        Assert.Equal(0L, reopened.TruncatedOnOpen);
        Assert.Equal(segments, reopened.SegmentCount);
        Assert.Equal(before, Batches.ReadAll(reopened));
        Assert.Equal(40L, (await reopened.AppendAsync(Batches.Values(999, "next"))).FirstOffset);
    }

    [Fact]
    public async Task Verify_names_the_segment_and_offset_of_a_corrupt_batch_in_a_sealed_segment()
    {
        using var directory = new TempDirectory();
        var log = await Filled(directory.Path, 60);
        log.Dispose();
        string sealedSegment = Directory.GetFiles(directory.Path, "*.log").Order().First();
        var bytes = File.ReadAllBytes(sealedSegment);
        bytes[260] ^= 0x40; // inside the records of the third batch, under its CRC
        File.WriteAllBytes(sealedSegment, bytes);
        File.Delete(Path.ChangeExtension(sealedSegment, ".index")); // the index rebuild must not "repair" by cutting

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Config);
        Assert.Equal(bytes.Length, new FileInfo(sealedSegment).Length);
        var problems = reopened.Verify();
        Assert.True(problems.Count == 1, string.Join("\n", problems));
        var problem = problems[0];
        Assert.Contains("t/0: segment 00000000000000000000.log", problem);
        Assert.Contains("corrupt record batch at base offset", problem);
        var error = Assert.Throws<Cep.Storage.Records.CorruptRecordException>(() => Batches.ReadAll(reopened));
        Assert.StartsWith("t/0 offset ", error.Message);
    }

    [Fact]
    public async Task Segments_past_the_recovery_point_are_recovered_and_a_torn_one_drops_everything_after_it()
    {
        using var directory = new TempDirectory();
        var log = await Filled(directory.Path, 100);
        var bases = log.Segments.Select(s => s.BaseOffset).ToArray();
        Assert.True(bases.Length >= 4);
        Crash(log, directory.Path);
        // As if the machine died before the background flush of the last rolls: recovery starts at bases[1].
        File.WriteAllText(Path.Combine(directory.Path, "recovery-point"), bases[1].ToString());
        string torn = Path.Combine(directory.Path, $"{bases[2]:D20}.log");
        using (var stream = new FileStream(torn, FileMode.Open))
        {
            stream.SetLength(stream.Length - 10);
        }

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Config);
        Assert.True(reopened.TruncatedOnOpen > 10);
        Assert.Equal(3, reopened.SegmentCount);
        Assert.False(File.Exists(Path.Combine(directory.Path, $"{bases[3]:D20}.log")));
        var records = Batches.ReadAll(reopened);
        Assert.Equal(Enumerable.Range(0, records.Count).Select(i => (long)i), records.Select(r => r.Offset));
        Assert.True(records.Count < 100 && records.Count > bases[2]);
        Assert.Equal(bases[2].ToString(), File.ReadAllText(Path.Combine(directory.Path, "recovery-point")));
        Assert.Empty(reopened.Verify());
    }

    [Fact]
    public async Task A_roll_moves_the_recovery_point_once_the_sealed_segment_is_flushed()
    {
        using var directory = new TempDirectory();
        using var log = await Filled(directory.Path, 60);
        string recoveryPoint = Path.Combine(directory.Path, "recovery-point");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (File.ReadAllText(recoveryPoint) != log.Segments[^1].BaseOffset.ToString() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
        Assert.Equal(log.Segments[^1].BaseOffset.ToString(), File.ReadAllText(recoveryPoint));
    }
}
