using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Cep.Storage.IO;
using Cep.Storage.Records;

namespace Cep.Storage.Log;

/// <summary>
/// <c>&lt;offset, 20 digits&gt;.snapshot</c>: the producer-state table as it was when the log
/// ended at that offset, so opening the log scans only the batches after it. Layout, big-endian:
/// <code>
///  0  int32  version = 1
///  4  uint32 crc              | CRC-32C of bytes 8..end
///  8  int64  offset           | the log end the state describes; equals the file name
/// 16  int32  producer count
/// 20  per producer: int64 producer id, int16 epoch, int32 batch count (1..5), then per batch
///     (oldest first) int32 first sequence, int32 last sequence, int64 first offset,
///     int64 last offset, int64 timestamp
/// </code>
/// Written to a temporary file, fsynced, renamed and the directory fsynced: a file under the
/// final name is whole, or (a crash mid-way on a file system that reorders) fails its CRC and
/// is skipped. Invariant, kept by the partition: a snapshot at offset S describes the log below
/// S, so whatever changes the log below S (truncation, a cut on recovery) deletes it.
/// Thread-safety: the partition's writer (or its opening) only.
/// </summary>
internal static class ProducerSnapshotFile
{
    /// <summary>Snapshots kept: the newest few, so one corrupt file falls back to an older one, not to a full scan.</summary>
    public const int Retained = 3;

    private const string Extension = ".snapshot";
    private const int Version = 1;
    private const int HeaderSize = 20;
    private const int ProducerSize = 14;
    private const int BatchSize = 32;

    /// <summary>The offsets of the snapshots in <paramref name="directory"/>, ascending.</summary>
    public static List<long> List(string directory) =>
        Directory.EnumerateFiles(directory, "*" + Extension)
            .Select(path => Path.GetFileName(path))
            .Where(name => name.Length == 20 + Extension.Length && name.EndsWith(Extension, StringComparison.Ordinal))
            .Select(name => long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out long offset) ? offset : -1)
            .Where(offset => offset >= 0)
            .Order()
            .ToList();

    /// <summary>Removes temporary files a crash left mid-write (never renamed, so never trusted).</summary>
    public static void DeleteLeftovers(string directory)
    {
        foreach (string leftover in Directory.EnumerateFiles(directory, "*" + Extension + ".tmp"))
        {
            File.Delete(leftover);
        }
    }

    /// <summary>Writes the table as of its end offset, then deletes all but the newest <see cref="Retained"/> snapshots.</summary>
    public static void Write(string directory, ProducerStateTable table)
    {
        var producers = table.Producers;
        int size = HeaderSize + producers.Sum(p => ProducerSize + BatchSize * p.Batches.Length);
        var bytes = new byte[size];
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, Version);
        BinaryPrimitives.WriteInt64BigEndian(span[8..], table.EndOffset);
        BinaryPrimitives.WriteInt32BigEndian(span[16..], producers.Count);
        int position = HeaderSize;
        foreach (var producer in producers)
        {
            BinaryPrimitives.WriteInt64BigEndian(span[position..], producer.ProducerId);
            BinaryPrimitives.WriteInt16BigEndian(span[(position + 8)..], producer.Epoch);
            BinaryPrimitives.WriteInt32BigEndian(span[(position + 10)..], producer.Batches.Length);
            position += ProducerSize;
            foreach (var batch in producer.Batches)
            {
                BinaryPrimitives.WriteInt32BigEndian(span[position..], batch.FirstSequence);
                BinaryPrimitives.WriteInt32BigEndian(span[(position + 4)..], batch.LastSequence);
                BinaryPrimitives.WriteInt64BigEndian(span[(position + 8)..], batch.FirstOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(position + 16)..], batch.LastOffset);
                BinaryPrimitives.WriteInt64BigEndian(span[(position + 24)..], batch.Timestamp);
                position += BatchSize;
            }
        }
        BinaryPrimitives.WriteUInt32BigEndian(span[4..], Crc32C.Compute(span[8..]));

        string path = PathFor(directory, table.EndOffset);
        DurableFile.Replace(path, bytes);
        foreach (long old in List(directory).SkipLast(Retained))
        {
            Delete(directory, old);
        }
    }

    /// <summary>Reads the snapshot at <paramref name="offset"/>; false when it is missing, cut short or fails its CRC.</summary>
    public static bool TryRead(string directory, long offset, [NotNullWhen(true)] out List<ProducerState>? producers)
    {
        producers = null;
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(PathFor(directory, offset));
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        var span = bytes.AsSpan();
        if (bytes.Length < HeaderSize
            || BinaryPrimitives.ReadInt32BigEndian(span) != Version
            || BinaryPrimitives.ReadUInt32BigEndian(span[4..]) != Crc32C.Compute(span[8..])
            || BinaryPrimitives.ReadInt64BigEndian(span[8..]) != offset)
        {
            return false;
        }
        int count = BinaryPrimitives.ReadInt32BigEndian(span[16..]);
        var result = new List<ProducerState>(Math.Clamp(count, 0, 1024));
        int position = HeaderSize;
        for (int i = 0; i < count; i++)
        {
            if (bytes.Length - position < ProducerSize)
            {
                return false;
            }
            long producerId = BinaryPrimitives.ReadInt64BigEndian(span[position..]);
            short epoch = BinaryPrimitives.ReadInt16BigEndian(span[(position + 8)..]);
            int batchCount = BinaryPrimitives.ReadInt32BigEndian(span[(position + 10)..]);
            position += ProducerSize;
            if (batchCount < 1 || batchCount > ProducerState.RetainedBatches || bytes.Length - position < batchCount * BatchSize)
            {
                return false;
            }
            var batches = new ProducerBatch[batchCount];
            for (int b = 0; b < batchCount; b++, position += BatchSize)
            {
                batches[b] = new ProducerBatch(
                    BinaryPrimitives.ReadInt32BigEndian(span[position..]),
                    BinaryPrimitives.ReadInt32BigEndian(span[(position + 4)..]),
                    BinaryPrimitives.ReadInt64BigEndian(span[(position + 8)..]),
                    BinaryPrimitives.ReadInt64BigEndian(span[(position + 16)..]),
                    BinaryPrimitives.ReadInt64BigEndian(span[(position + 24)..]));
            }
            result.Add(ProducerState.Create(producerId, epoch, batches));
        }
        if (position != bytes.Length)
        {
            return false;
        }
        producers = result;
        return true;
    }

    public static void Delete(string directory, long offset) => File.Delete(PathFor(directory, offset));

    /// <summary>Deletes the snapshots above <paramref name="offset"/>: they describe records the log no longer holds.</summary>
    public static void DeleteAbove(string directory, long offset)
    {
        foreach (long snapshot in List(directory).Where(s => s > offset))
        {
            Delete(directory, snapshot);
        }
    }

    private static string PathFor(string directory, long offset) => Path.Combine(directory, LogSegment.FileName(offset, Extension));
}
