using Cep.Storage.Records;

namespace Cep.Storage.Log;

/// <summary>
/// <c>cep log verify</c> for one partition: reads every batch (framing, CRC, offsets in order
/// within and across segments) and checks every index entry against the batches. Reports,
/// never repairs. Thread-safety: reads pinned segments, so it may run beside appends.
/// </summary>
internal static class LogVerifier
{
    /// <summary>Every problem in <paramref name="segments"/>, one line each, prefixed with <paramref name="name"/> (topic/partition).</summary>
    public static IReadOnlyList<string> Verify(string name, LogSegment[] segments)
    {
        var problems = new List<string>();
        long expected = segments[0].BaseOffset;
        foreach (var segment in segments)
        {
            if (!segment.TryAcquire())
            {
                continue;
            }
            try
            {
                var starts = new Dictionary<long, long>();
                long position = 0;
                try
                {
                    foreach (var (at, batch) in segment.ReadBatches())
                    {
                        position = at;
                        if (batch.BaseOffset < expected)
                        {
                            problems.Add($"{name}: segment {Path.GetFileName(segment.LogPath)} position {at}: batch base offset {batch.BaseOffset} is below the expected {expected}");
                        }
                        starts[batch.BaseOffset] = at;
                        expected = batch.LastOffset + 1;
                        position = at + batch.SizeInBytes;
                    }
                }
                catch (CorruptRecordException e)
                {
                    problems.Add($"{name}: segment {Path.GetFileName(segment.LogPath)} after offset {expected - 1} (position {position}): {e.Message}");
                    continue;
                }
                problems.AddRange(segment.VerifyIndexes(starts).Select(p => $"{name}: {p}"));
            }
            finally
            {
                segment.Release();
            }
        }
        return problems;
    }
}
