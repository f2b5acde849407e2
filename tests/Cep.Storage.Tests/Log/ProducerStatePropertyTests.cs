using Cep.Storage.Log;
using FsCheck;
using FsCheck.Fluent;

namespace Cep.Storage.Tests.Log;

/// <summary>
/// Idempotent producers against a model: for any interleaving of sends, retries (of recent and of
/// too-old batches), sequence gaps, clean and unclean reopens and truncations, on any segment size,
/// every acknowledgement, refusal and record is what the model predicts. The model: the log is the
/// list of batches appended; a producer's table entry is its last five batches in that list.
/// Seeds are fixed (Replay); FsCheck prints the failing case.
/// </summary>
public sealed class ProducerStatePropertyTests
{
    private enum Step
    {
        Send,
        Retry,
        Gap,
        Reopen,
        Crash,
        Truncate,
    }

    private sealed record ModelBatch(long Producer, int FirstSequence, int LastSequence, long FirstOffset, long LastOffset, string[] Values);

    private static Gen<(Step Step, long Producer, int Argument)> Steps =>
        from roll in Gen.Choose(0, 99)
        from producer in Gen.Choose(1, 2)
        from argument in Gen.Choose(0, 1000)
        select (roll switch
        {
            < 50 => Step.Send,
            < 70 => Step.Retry,
            < 78 => Step.Gap,
            < 85 => Step.Reopen,
            < 92 => Step.Crash,
            _ => Step.Truncate,
        }, (long)producer, argument);

    /// <summary>Up to 40 steps on segments of 300 B to 2 KiB (a roll, and so a snapshot, every few batches).</summary>
    private static Gen<(LogConfig Config, List<(Step Step, long Producer, int Argument)> Steps)> Workload =>
        from segmentBytes in Gen.Choose(300, 2048)
        from steps in Gen.ListOf(Steps).Select(l => l.Take(40).ToList())
        select (new LogConfig { SegmentBytes = segmentBytes, IndexIntervalBytes = 64, FlushPolicy = FlushPolicy.Os }, steps);

    [Fact]
    public void Any_mix_of_sends_retries_gaps_reopens_and_truncations_matches_the_model()
    {
        Prop.ForAll(Workload.ToArbitrary(), workload =>
        {
            using var directory = new TempDirectory();
            var model = new List<ModelBatch>();
            var log = PartitionLog.Open(directory.Path, "p", 0, workload.Config);
            try
            {
                for (int i = 0; i < workload.Steps.Count; i++)
                {
                    log = Apply(log, directory.Path, workload.Config, model, workload.Steps[i], i);
                    foreach (long producer in new long[] { 1, 2 })
                    {
                        var recent = Recent(model, producer);
                        Assert.Equal(recent.Select(b => (b.FirstSequence, b.LastSequence, b.FirstOffset, b.LastOffset)),
                            log.GetProducerState(producer)?.Batches.Select(b => (b.FirstSequence, b.LastSequence, b.FirstOffset, b.LastOffset)) ?? []);
                    }
                }
                Assert.Equal(model.SelectMany(b => b.Values), Batches.ReadAll(log).Select(r => r.Value));
                Assert.Equal(model.Count == 0 ? 0 : model[^1].LastOffset + 1, log.LogEndOffset);
            }
            finally
            {
                log.Dispose();
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(40).WithReplay(Replay(3)));
    }

    private static PartitionLog Apply(PartitionLog log, string directory, LogConfig config, List<ModelBatch> model, (Step Step, long Producer, int Argument) step, int index)
    {
        var (kind, producer, argument) = step;
        var mine = model.Where(b => b.Producer == producer).ToList();
        int next = mine.Count == 0 ? 0 : mine[^1].LastSequence + 1;
        long end = log.LogEndOffset;
        switch (kind)
        {
            case Step.Send:
                var values = Enumerable.Range(0, argument % 3 + 1).Select(r => $"p{producer}-step{index}-record{r}").ToArray();
                var sent = Append(log, producer, next, values);
                Assert.Equal((end, false), (sent.FirstOffset, sent.IsDuplicate));
                model.Add(new ModelBatch(producer, next, next + values.Length - 1, sent.FirstOffset, sent.LastOffset, values));
                return log;
            case Step.Retry when mine.Count > 0:
                int back = argument % Math.Min(mine.Count, ProducerState.RetainedBatches + 2) + 1;
                var original = mine[^back];
                if (back <= ProducerState.RetainedBatches)
                {
                    var retry = Append(log, producer, original.FirstSequence, original.Values);
                    Assert.Equal((original.FirstOffset, original.LastOffset, true), (retry.FirstOffset, retry.LastOffset, retry.IsDuplicate));
                }
                else
                {
                    Assert.Throws<OutOfOrderSequenceException>(() => Append(log, producer, original.FirstSequence, original.Values));
                }
                Assert.Equal(end, log.LogEndOffset);
                return log;
            case Step.Gap when mine.Count > 0:
                var error = Assert.Throws<OutOfOrderSequenceException>(() => Append(log, producer, next + 1, "gap"));
                Assert.Contains($"expected sequence {next}, received {next + 1}", error.Message);
                Assert.Equal(end, log.LogEndOffset);
                return log;
            case Step.Reopen:
                log.Dispose();
                return PartitionLog.Open(directory, "p", 0, config);
            case Step.Crash:
                // No clean-shutdown marker, and no snapshot at the end: the table comes from an older snapshot and a scan.
                log.Dispose();
                File.Delete(Path.Combine(directory, ".clean-shutdown"));
                File.Delete(Path.Combine(directory, $"{end:D20}.snapshot"));
                return PartitionLog.Open(directory, "p", 0, config);
            case Step.Truncate when model.Count > 0:
                int cut = argument % model.Count;
                log.TruncateTo(model[cut].FirstOffset);
                model.RemoveRange(cut, model.Count - cut);
                Assert.Equal(model.Count == 0 ? 0 : model[^1].LastOffset + 1, log.LogEndOffset);
                return log;
            case Step.Retry or Step.Gap or Step.Truncate:
                return log; // nothing to retry, skip or cut yet
            default:
                throw new InvalidOperationException($"unknown step {kind}");
        }
    }

    private static IEnumerable<ModelBatch> Recent(List<ModelBatch> model, long producer) =>
        model.Where(b => b.Producer == producer).TakeLast(ProducerState.RetainedBatches);

    private static AppendResult Append(PartitionLog log, long producer, int baseSequence, params string[] values) =>
        log.AppendAsync(Batches.Idempotent(producer, 0, baseSequence, 1, null, values)).AsTask().GetAwaiter().GetResult();

    private static Replay Replay(ulong seed) => new(new Rnd(seed * 7919, 104729), null);
}
