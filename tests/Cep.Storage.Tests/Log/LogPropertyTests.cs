using Cep.Storage.Log;
using FsCheck;
using FsCheck.Fluent;

namespace Cep.Storage.Tests.Log;

/// <summary>
/// Properties of the log over generated inputs. Seeds are fixed (Replay) so a run is
/// repeatable; FsCheck prints the failing case and its seed.
/// </summary>
public sealed class LogPropertyTests
{
    private static Gen<(int Segment, List<List<(string? Key, string Value)>> Appends)> Workload =>
        from segment in Gen.Choose(200, 4096)
        from appends in Gen.ListOf(
            Gen.NonEmptyListOf(
                from key in Gen.Elements<string?>(null, "a", "b", "key-c")
                from size in Gen.Choose(0, 300)
                select (key, new string((char)('a' + size % 26), size))).Select(l => l.Take(20).ToList())).Select(l => l.Take(40).ToList())
        select (segment, appends);

    [Fact]
    public void Any_appends_with_any_segment_size_read_back_identically_before_and_after_reopen()
    {
        Prop.ForAll(Workload.ToArbitrary(), workload =>
        {
            using var directory = new TempDirectory();
            var config = new LogConfig { SegmentBytes = workload.Segment, IndexIntervalBytes = 64, FlushPolicy = FlushPolicy.Os };
            var expected = new List<(long, string?, string?, long)>();
            using (var log = PartitionLog.Open(directory.Path, "p", 0, config))
            {
                long timestamp = 0;
                foreach (var append in workload.Appends)
                {
                    var records = append.Select(r => ((string?)r.Key, (string?)r.Value, timestamp++)).ToArray();
                    var result = log.AppendAsync(Batches.Of(records)).AsTask().GetAwaiter().GetResult();
                    expected.AddRange(records.Select((r, i) => (result.FirstOffset + i, r.Item1, r.Item2, r.Item3)));
                }
                Assert.Equal(expected, Batches.ReadAll(log));
            }
            using var reopened = PartitionLog.Open(directory.Path, "p", 0, config);
            Assert.Equal(expected, Batches.ReadAll(reopened));
            Assert.Empty(reopened.Verify());
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(60).WithReplay(Replay(1)));
    }

    [Fact]
    public void Cutting_the_active_segment_at_any_byte_leaves_exactly_the_whole_batches_before_the_cut()
    {
        var cutCase =
            from workload in Workload
            from cut in Gen.Choose(0, 1_000_000)
            select (workload, cut);
        Prop.ForAll(cutCase.ToArbitrary(), test =>
        {
            using var directory = new TempDirectory();
            var config = new LogConfig { SegmentBytes = test.workload.Segment, IndexIntervalBytes = 64, FlushPolicy = FlushPolicy.Os };
            var acknowledged = new List<(long Offset, string? Value)>();
            var batchEnds = new List<(long Segment, long End, long LastOffset)>();
            using (var log = PartitionLog.Open(directory.Path, "p", 0, config))
            {
                foreach (var append in test.workload.Appends)
                {
                    var result = log.AppendAsync(Batches.Of(append.Select(r => ((string?)r.Key, (string?)r.Value, 1L)).ToArray())).AsTask().GetAwaiter().GetResult();
                    acknowledged.AddRange(append.Select((r, i) => (result.FirstOffset + i, (string?)r.Value)));
                    batchEnds.Add((log.Segments[^1].BaseOffset, log.Segments[^1].Size, result.LastOffset));
                }
            }
            File.Delete(Path.Combine(directory.Path, ".clean-shutdown"));
            string active = Directory.GetFiles(directory.Path, "*.log").Order().Last();
            long activeBase = long.Parse(Path.GetFileNameWithoutExtension(active));
            long length = new FileInfo(active).Length;
            long cut = length == 0 ? 0 : test.cut % (length + 1);
            using (var stream = new FileStream(active, FileMode.Open))
            {
                stream.SetLength(cut);
            }
            // Survivors: every batch of earlier segments, and the active segment's batches that end at or before the cut.
            long lastSurviving = batchEnds.Where(b => b.Segment < activeBase || b.End <= cut).Select(b => b.LastOffset).DefaultIfEmpty(-1).Max();
            using var reopened = PartitionLog.Open(directory.Path, "p", 0, config);
            Assert.Equal(acknowledged.Where(r => r.Offset <= lastSurviving), Batches.ReadAll(reopened).Select(r => (r.Offset, r.Value)));
            Assert.Equal(Math.Max(lastSurviving + 1, activeBase), reopened.LogEndOffset);
            Assert.Empty(reopened.Verify());
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(80).WithReplay(Replay(2)));
    }

    private static Replay Replay(ulong seed) => new(new Rnd(seed * 7919, 104729), null);
}
