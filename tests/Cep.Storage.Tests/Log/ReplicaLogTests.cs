using Cep.Storage.Log;
using Cep.Storage.Records;

namespace Cep.Storage.Tests.Log;

/// <summary>
/// What replication needs of one partition's log: leader epochs recorded and answered by
/// Kafka's rules, a follower storing the leader's batches as they are, truncation to the
/// epoch boundary of a new leader, and a high watermark that readers cannot see past.
/// </summary>
public sealed class ReplicaLogTests
{
    private static readonly LogConfig Config = new() { SegmentBytes = 2048, FlushPolicy = FlushPolicy.Os };

    [Fact]
    public async Task Leader_epochs_are_stamped_recorded_and_answered_by_kafkas_rules()
    {
        using var directory = new TempDirectory();
        using (var log = PartitionLog.Open(directory.Path, "t", 0, Config))
        {
            await log.AppendAsync(Batches.Values(1, "a", "b"));      // epoch 0: offsets 0, 1
            log.BecomeLeader(3);
            await log.AppendAsync(Batches.Values(2, "c"));           // epoch 3: offset 2
            log.BecomeLeader(5);
            await log.AppendAsync(Batches.Values(3, "d", "e"));      // epoch 5: offsets 3, 4
            log.BecomeLeader(4);                                      // older than 5: ignored

            Assert.Equal([(0, 0L), (3, 2L), (5, 3L)], log.LeaderEpochs);
            Assert.Equal(5, log.LeaderEpoch);
            Assert.Equal([0, 3, 5], EpochsOfBatches(log)); // one batch per append
            Assert.Equal(new EpochEndOffset(0, 2), log.EndOffsetForEpoch(0));
            Assert.Equal(new EpochEndOffset(0, 2), log.EndOffsetForEpoch(2)); // never had 2: ends where 3 starts, under 0
            Assert.Equal(new EpochEndOffset(3, 3), log.EndOffsetForEpoch(3));
            Assert.Equal(new EpochEndOffset(5, 5), log.EndOffsetForEpoch(5)); // the latest: the log end
            Assert.Equal(EpochEndOffset.Undefined, log.EndOffsetForEpoch(6));
            Assert.Equal(EpochEndOffset.Undefined, log.EndOffsetForEpoch(-1));
        }

        using (var reopened = PartitionLog.Open(directory.Path, "t", 0, Config))
        {
            Assert.Equal([(0, 0L), (3, 2L), (5, 3L)], reopened.LeaderEpochs);
            Assert.Equal(5, reopened.LeaderEpoch);
        }

        // Without the file (a log from before epochs were kept, or a damaged file) the batches tell the same.
        File.Delete(Path.Combine(directory.Path, "leader-epoch-checkpoint"));
        using (var rebuilt = PartitionLog.Open(directory.Path, "t", 0, Config))
        {
            Assert.Equal([(0, 0L), (3, 2L), (5, 3L)], rebuilt.LeaderEpochs);
        }
        File.WriteAllText(Path.Combine(directory.Path, "leader-epoch-checkpoint"), "cep-leader-epochs 1\n3 2\n0 9\n");
        using var repaired = PartitionLog.Open(directory.Path, "t", 0, Config);
        Assert.Equal([(0, 0L), (3, 2L), (5, 3L)], repaired.LeaderEpochs);
    }

    [Fact]
    public async Task A_follower_stores_the_leaders_batches_byte_for_byte_and_refuses_a_gap()
    {
        using var directory = new TempDirectory();
        using var leader = PartitionLog.Open(directory.Combine("leader"), "t", 0, Config);
        using var follower = PartitionLog.Open(directory.Combine("follower"), "t", 0, Config);
        leader.BecomeLeader(2);
        for (int i = 0; i < 40; i++)
        {
            await leader.AppendAsync(Batches.Idempotent(7, 0, i * 2, 100 + i, $"k{i % 3}", $"v{i}a", $"v{i}b"));
        }

        // Fetch in small pieces, the way a replica fetcher does, each from the follower's log end.
        while (follower.LogEndOffset < leader.LogEndOffset)
        {
            var fetched = leader.ReadForReplica(follower.LogEndOffset, 300);
            await follower.AppendReplicatedAsync(fetched.Records.ToArray());
        }

        Assert.Equal(leader.LogEndOffset, follower.LogEndOffset);
        Assert.Equal(leader.ReadForReplica(0, 1 << 20).Records.ToArray(), follower.ReadForReplica(0, 1 << 20).Records.ToArray());
        Assert.Equal(leader.LeaderEpochs, follower.LeaderEpochs);
        // The producer table followed: the follower, made leader, knows the producer's last sequence.
        Assert.Equal(79, follower.GetProducerState(7)!.LastSequence);

        // A fetch that overlaps what the follower has is trimmed to what is new; one with a gap is refused whole.
        await leader.AppendAsync(Batches.Values(200, "x"));
        await follower.AppendReplicatedAsync(leader.ReadForReplica(follower.LogEndOffset - 4, 1 << 20).Records.ToArray());
        Assert.Equal(leader.LogEndOffset, follower.LogEndOffset);
        await leader.AppendAsync(Batches.Values(201, "y"));
        await leader.AppendAsync(Batches.Values(202, "z"));
        var gap = leader.ReadForReplica(leader.LogEndOffset - 1, 1 << 20).Records.ToArray();
        var refused = await Assert.ThrowsAsync<ReplicaMismatchException>(() => follower.AppendReplicatedAsync(gap).AsTask());
        Assert.Equal($"t/0: a replicated batch starts at offset 82, but the log continues at 81; nothing was appended", refused.Message);
        Assert.Equal(81, follower.LogEndOffset);
    }

    [Fact]
    public async Task A_follower_with_a_divergent_tail_truncates_to_the_new_leaders_epoch_boundary_and_then_matches_it()
    {
        using var directory = new TempDirectory();
        using var a = PartitionLog.Open(directory.Combine("a"), "t", 0, Config);
        using var b = PartitionLog.Open(directory.Combine("b"), "t", 0, Config);

        // Epoch 1: a leads and writes 0..4; b replicates only 0..2 before a fails.
        a.BecomeLeader(1);
        await a.AppendAsync(Batches.Values(1, "r0", "r1", "r2"));
        await b.AppendReplicatedAsync(a.ReadForReplica(0, 1 << 20).Records.ToArray());
        await a.AppendAsync(Batches.Values(2, "lost3", "lost4"));

        // Epoch 2: b leads and writes its own 3..5.
        b.BecomeLeader(2);
        await b.AppendAsync(Batches.Values(3, "new3", "new4", "new5"));

        // a comes back as a follower: it asks the leader where its own latest epoch ends, cuts there, and fetches.
        var boundary = b.EndOffsetForEpoch(a.LeaderEpochs[^1].Epoch);
        Assert.Equal(new EpochEndOffset(1, 3), boundary);
        a.TruncateTo(boundary.EndOffset);
        Assert.Equal([(1, 0L)], a.LeaderEpochs);
        await a.AppendReplicatedAsync(b.ReadForReplica(a.LogEndOffset, 1 << 20).Records.ToArray());

        Assert.Equal(b.ReadForReplica(0, 1 << 20).Records.ToArray(), a.ReadForReplica(0, 1 << 20).Records.ToArray());
        Assert.Equal(["r0", "r1", "r2", "new3", "new4", "new5"], Batches.ReadAll(a).Select(r => r.Value));
        Assert.Equal([(1, 0L), (2, 3L)], a.LeaderEpochs);
    }

    [Fact]
    public async Task Readers_see_only_records_below_the_high_watermark_which_survives_a_restart()
    {
        using var directory = new TempDirectory();
        using (var log = PartitionLog.Open(directory.Path, "t", 0, Config))
        {
            await log.AppendAsync(Batches.Values(1, "a"));
            log.TrackHighWatermark(); // no checkpoint yet: starts at 0
            Assert.Equal(0, log.HighWatermark);
            await log.AppendAsync(Batches.Values(2, "b", "c"));
            await log.AppendAsync(Batches.Values(3, "d"));

            Assert.True(log.Read(0, 1 << 20).Records.IsEmpty);
            Assert.Equal(0, log.Read(0, 1 << 20).HighWatermark);
            Assert.Equal(4, CountRecords(log.ReadForReplica(0, 1 << 20).Records));
            Assert.True(log.Read(4, 100).Records.IsEmpty); // at the log end: not out of range, just nothing yet

            var waiting = log.WaitForDataAsync(0, CancellationToken.None);
            Assert.False(waiting.IsCompleted);
            log.AdvanceHighWatermark(3);
            await waiting.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(["a", "b", "c"], Batches.ReadAll(log).Select(r => r.Value));

            log.AdvanceHighWatermark(2);   // never down
            log.AdvanceHighWatermark(99);  // never past the log end
            Assert.Equal(4, log.HighWatermark);
            log.TruncateTo(3);             // but a truncation takes it down with the log
            Assert.Equal(3, log.HighWatermark);
        }

        using var reopened = PartitionLog.Open(directory.Path, "t", 0, Config);
        Assert.Equal(3, reopened.HighWatermark); // not replicated yet: the log end
        reopened.TrackHighWatermark();
        Assert.Equal(3, reopened.HighWatermark); // the checkpoint written on close
        await reopened.AppendAsync(Batches.Values(4, "e"));
        Assert.Equal(["a", "b", "c"], Batches.ReadAll(reopened).Select(r => r.Value));
    }

    [Fact]
    public async Task Retention_moves_the_first_epochs_start_to_the_new_log_start()
    {
        using var directory = new TempDirectory();
        var config = Config with { SegmentBytes = 300, RetentionBytes = 700 };
        using var log = PartitionLog.Open(directory.Path, "t", 0, config);
        for (int i = 0; i < 30; i++)
        {
            if (i == 10)
            {
                log.BecomeLeader(1);
            }
            await log.AppendAsync(Batches.Values(i, $"record-{i}-{new string('x', 50)}"));
        }
        Assert.True(log.EnforceRetention() > 0);
        Assert.True(log.LogStartOffset > 10, $"log start {log.LogStartOffset}");
        Assert.Equal([(1, log.LogStartOffset)], log.LeaderEpochs);
    }

    private static List<int> EpochsOfBatches(PartitionLog log)
    {
        var epochs = new List<int>();
        var records = log.ReadForReplica(0, 1 << 20).Records;
        while (!records.IsEmpty && RecordBatch.TryReadSize(records.Span, out int size))
        {
            epochs.Add(new RecordBatch(records[..size]).PartitionLeaderEpoch);
            records = records[size..];
        }
        return epochs;
    }

    private static int CountRecords(ReadOnlyMemory<byte> records)
    {
        int count = 0;
        while (!records.IsEmpty && RecordBatch.TryReadSize(records.Span, out int size))
        {
            count += new RecordBatch(records[..size]).RecordCount;
            records = records[size..];
        }
        return count;
    }
}
