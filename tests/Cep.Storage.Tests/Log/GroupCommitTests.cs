using Cep.Storage.Log;

namespace Cep.Storage.Tests.Log;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task Every_acknowledgement_comes_after_an_fsync_that_covers_it_and_fsyncs_are_shared()
    {
        using var directory = new TempDirectory();
        FaultyLogFile? file = null;
        var options = new PartitionLogOptions { OpenLogFile = path => file = new FaultyLogFile(path) { FlushDelay = TimeSpan.FromMilliseconds(5) } };
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Group }, options);
        int batchSize = Batches.Values(0, "0123456789").Length;
        const int Producers = 8, PerProducer = 25;
        int violations = 0;

        async Task Produce()
        {
            for (int i = 0; i < PerProducer; i++)
            {
                var result = await log.AppendAsync(Batches.Values(0, "0123456789"));
                // Batches are all the same size, so batch n ends at (n + 1) * size in the single segment.
                long end = (result.LastOffset + 1) * batchSize;
                if (file!.DurableLength < end)
                {
                    Interlocked.Increment(ref violations);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Producers).Select(_ => Task.Run(Produce)));
        Assert.Equal(0, violations);
        Assert.Equal(Producers * PerProducer, log.LogEndOffset);
        Assert.True(file!.FlushCount < Producers * PerProducer / 2, $"{file.FlushCount} fsyncs for {Producers * PerProducer} appends: not grouped");
    }

    [Fact]
    public async Task Fsync_policy_flushes_each_append_before_acknowledging_it()
    {
        using var directory = new TempDirectory();
        FaultyLogFile? file = null;
        var options = new PartitionLogOptions { OpenLogFile = path => file = new FaultyLogFile(path) };
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Fsync }, options);
        for (int i = 0; i < 5; i++)
        {
            await log.AppendAsync(Batches.Values(0, "x"));
            Assert.Equal(file!.Length, file.DurableLength);
        }
        Assert.Equal(5, file!.FlushCount);
    }

    [Fact]
    public async Task Os_policy_acknowledges_without_fsync()
    {
        using var directory = new TempDirectory();
        FaultyLogFile? file = null;
        var options = new PartitionLogOptions { OpenLogFile = path => file = new FaultyLogFile(path) };
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Os }, options);
        await log.AppendAsync(Batches.Values(0, "x"));
        Assert.Equal(0, file!.FlushCount);
    }

    [Fact]
    public async Task Interval_policy_acknowledges_at_once_and_fsyncs_within_flush_ms_off_the_append_path()
    {
        using var directory = new TempDirectory();
        FaultyLogFile? file = null;
        var options = new PartitionLogOptions { OpenLogFile = path => file = new FaultyLogFile(path) };
        using var log = PartitionLog.Open(directory.Path, "t", 0, new LogConfig { FlushPolicy = FlushPolicy.Interval, FlushMs = 50 }, options);
        await log.AppendAsync(Batches.Values(0, "x"));
        Assert.Equal(0, file!.FlushCount);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (file.DurableLength < file.Length && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }
        Assert.Equal(file.Length, file.DurableLength);
    }
}
