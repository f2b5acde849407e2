using System.Globalization;
using System.Text;
using Cep.Storage.IO;

namespace Cep.Storage.Log;

/// <summary>
/// Which leader epoch wrote which offsets of a partition: a list of (epoch, start offset),
/// both strictly increasing, where an epoch's offsets run from its start to the next entry's
/// start (the last one's to the log end). Kafka's leader-epoch rules use it to find where a
/// follower's log diverges from a new leader's (<see cref="EndOffsetFor"/>), so the follower
/// cuts exactly its unreplicated tail and nothing the leader has.
/// <para>
/// On disk: <c>leader-epoch-checkpoint</c>, ASCII lines <c>cep-leader-epochs 1</c> then one
/// <c>epoch start-offset</c> per entry, replaced whole on every change (<see cref="DurableFile"/>;
/// changes come with leader changes and truncations, so they are rare). No checksum: a missing
/// or unreadable file is rebuilt from the batch headers (each batch carries the epoch that
/// wrote it), which is also how a log from before epochs were tracked gets its cache.
/// </para>
/// Thread-safety: none; the partition calls it under its write lock.
/// </summary>
internal sealed class LeaderEpochCache
{
    private const string FileName = "leader-epoch-checkpoint";
    private const string Header = "cep-leader-epochs 1";

    private readonly string _path;
    private readonly List<(int Epoch, long StartOffset)> _entries;

    private LeaderEpochCache(string path, List<(int Epoch, long StartOffset)> entries)
    {
        _path = path;
        _entries = entries;
    }

    public IReadOnlyList<(int Epoch, long StartOffset)> Entries => _entries;

    /// <summary>The epoch of the last entry, or null when the log has none.</summary>
    public int? LatestEpoch => _entries.Count == 0 ? null : _entries[^1].Epoch;

    /// <summary>Reads the file, or rebuilds it from the segments' batch headers; drops entries past the log end.</summary>
    public static LeaderEpochCache Load(string directory, LogSegment[] segments)
    {
        string path = Path.Combine(directory, FileName);
        var cache = TryRead(path) is { } entries ? new LeaderEpochCache(path, entries) : Rebuild(path, segments);
        long start = segments[0].BaseOffset, end = segments[^1].NextOffset;
        cache.TruncateFromEnd(end);
        cache.TruncateFromStart(start);
        return cache;
    }

    /// <summary>
    /// Records that <paramref name="epoch"/> starts at <paramref name="startOffset"/>. Nothing
    /// changes for an epoch not newer than the latest (every batch of a leader calls this).
    /// Entries at or after <paramref name="startOffset"/> were cut from the log and are dropped.
    /// </summary>
    public void Assign(int epoch, long startOffset)
    {
        if (epoch < 0 || (_entries.Count > 0 && epoch <= _entries[^1].Epoch))
        {
            return;
        }
        _entries.RemoveAll(e => e.StartOffset >= startOffset);
        _entries.Add((epoch, startOffset));
        Write();
    }

    /// <summary>Kafka's rule: see <see cref="EpochEndOffset"/>.</summary>
    public EpochEndOffset EndOffsetFor(int epoch, long logEndOffset)
    {
        if (epoch < 0 || _entries.Count == 0)
        {
            return EpochEndOffset.Undefined;
        }
        if (epoch == _entries[^1].Epoch)
        {
            return new EpochEndOffset(epoch, logEndOffset);
        }
        int higher = _entries.FindIndex(e => e.Epoch > epoch);
        if (higher < 0)
        {
            return EpochEndOffset.Undefined; // newer than anything this log has seen
        }
        // No entry ≤ epoch: the requested epoch's offsets (if any) end where the first known epoch starts.
        return new EpochEndOffset(higher == 0 ? epoch : _entries[higher - 1].Epoch, _entries[higher].StartOffset);
    }

    /// <summary>After the log was cut at <paramref name="endOffset"/>: drops the epochs that started at or after it.</summary>
    public void TruncateFromEnd(long endOffset)
    {
        if (_entries.RemoveAll(e => e.StartOffset >= endOffset) > 0)
        {
            Write();
        }
    }

    /// <summary>After retention moved the log start to <paramref name="startOffset"/>: epochs wholly before it go, the one holding it starts there.</summary>
    public void TruncateFromStart(long startOffset)
    {
        int holding = _entries.FindLastIndex(e => e.StartOffset <= startOffset);
        if (holding < 0 || (holding == 0 && _entries[0].StartOffset == startOffset))
        {
            return;
        }
        int epoch = _entries[holding].Epoch;
        _entries.RemoveRange(0, holding + 1);
        _entries.Insert(0, (epoch, startOffset));
        Write();
    }

    private static LeaderEpochCache Rebuild(string path, LogSegment[] segments)
    {
        var cache = new LeaderEpochCache(path, []);
        foreach (var segment in segments)
        {
            foreach (var header in segment.ReadBatchHeaders(segment.BaseOffset))
            {
                if (header.PartitionLeaderEpoch >= 0 && (cache._entries.Count == 0 || header.PartitionLeaderEpoch > cache._entries[^1].Epoch))
                {
                    cache._entries.Add((header.PartitionLeaderEpoch, header.BaseOffset));
                }
            }
        }
        cache.Write();
        return cache;
    }

    private static List<(int, long)>? TryRead(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        if (lines.Length == 0 || lines[0] != Header)
        {
            return null;
        }
        var entries = new List<(int, long)>();
        foreach (string line in lines.Skip(1))
        {
            string[] parts = line.Split(' ');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int epoch)
                || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
                || (entries.Count > 0 && (epoch <= entries[^1].Item1 || start <= entries[^1].Item2)))
            {
                return null;
            }
            entries.Add((epoch, start));
        }
        return entries;
    }

    private void Write()
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (var (epoch, start) in _entries)
        {
            text.Append(CultureInfo.InvariantCulture, $"{epoch} {start}\n");
        }
        DurableFile.Replace(_path, Encoding.ASCII.GetBytes(text.ToString()));
    }
}
