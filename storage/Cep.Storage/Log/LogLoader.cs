using Cep.Storage.IO;

namespace Cep.Storage.Log;

/// <summary>
/// Opens a partition directory: finds its segments, decides how far to trust each, and
/// recovers. After a clean shutdown (the <c>.clean-shutdown</c> marker) only the active
/// segment's tail is checked. After a crash every segment from the recovery point on is
/// CRC-checked batch by batch; at the first bad batch the log is cut, and segments after it
/// (written later, so no more trustworthy) are deleted. Leftovers of an interrupted
/// compaction (<c>*.cleaned</c>) are removed: the original segment is still whole.
/// Thread-safety: runs before the partition is shared.
/// </summary>
internal static class LogLoader
{
    private const string CleanShutdownMarker = ".clean-shutdown";

    public static void MarkCleanShutdown(string directory) =>
        File.WriteAllBytes(Path.Combine(directory, CleanShutdownMarker), []);

    /// <summary>Loads the segments in base-offset order (at least one); <paramref name="truncated"/> counts the bytes cut.</summary>
    public static LogSegment[] Load(string directory, LogConfig config, PartitionLogOptions options, OffsetFile recoveryPointFile, out long truncated)
    {
        string marker = Path.Combine(directory, CleanShutdownMarker);
        bool clean = File.Exists(marker);
        foreach (string leftover in Directory.EnumerateFiles(directory, "*.cleaned"))
        {
            File.Delete(leftover);
        }
        var baseOffsets = Directory.EnumerateFiles(directory, "*.log")
            .Select(path => LogSegment.TryParseBaseOffset(Path.GetFileName(path), out long b) ? b : -1)
            .Where(b => b >= 0)
            .Order()
            .ToList();
        long recoveryPoint = clean ? long.MaxValue : recoveryPointFile.Read();
        var segments = new List<LogSegment>();
        truncated = 0;
        for (int i = 0; i < baseOffsets.Count; i++)
        {
            var segment = new LogSegment(directory, baseOffsets[i], config.IndexIntervalBytes, options.OpenLogFile);
            bool last = i == baseOffsets.Count - 1;
            var mode = baseOffsets[i] >= recoveryPoint ? SegmentLoad.Recover : last && clean ? SegmentLoad.CheckTail : SegmentLoad.Trusted;
            long cut = segment.Load(mode);
            truncated += cut;
            segments.Add(segment);
            if (mode == SegmentLoad.Recover && !last)
            {
                segment.FlushToDisk(); // validated from the page cache; durable before the recovery point passes it
            }
            if (cut > 0 && !last)
            {
                foreach (long later in baseOffsets.Skip(i + 1))
                {
                    truncated += new FileInfo(Path.Combine(directory, LogSegment.FileName(later, ".log"))).Length;
                    LogSegment.DeleteFiles(directory, later);
                }
                break;
            }
        }
        if (segments.Count == 0)
        {
            segments.Add(LogSegment.Create(directory, 0, config.IndexIntervalBytes, options.OpenLogFile));
        }
        if (clean)
        {
            File.Delete(marker);
            FileLogFile.FlushDirectory(directory);
        }
        // Everything loaded is now known good: recovery after a crash starts at the active segment.
        recoveryPointFile.Write(segments[^1].BaseOffset);
        return segments.ToArray();
    }
}
