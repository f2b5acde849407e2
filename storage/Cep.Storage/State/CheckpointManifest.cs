using System.Globalization;
using System.Text;
using Cep.Storage.IO;
using Cep.Storage.Records;

namespace Cep.Storage.State;

/// <summary>
/// <c>CHECKPOINT</c>, the last file written into a checkpoint directory: its presence says the
/// checkpoint is complete, its contents let a restore prove the files are the ones written.
/// Layout (ASCII lines):
/// <code>
///   cep-checkpoint 1
///   id &lt;checkpoint id&gt;
///   file &lt;name&gt; &lt;size&gt; &lt;crc32c hex&gt;      one line per file of the RocksDB checkpoint
///   crc &lt;crc32c hex of every byte above&gt;
/// </code>
/// A checkpoint without this file, with a damaged one, or with a file whose size or CRC-32C
/// differs, is not restored. RocksDB's table files are immutable, so their CRCs are computed
/// once and reused by later checkpoints that hard-link the same files (<see cref="FileChecksums"/>).
/// Thread-safety: none needed (static, pure apart from the files it reads and writes).
/// </summary>
internal static class CheckpointManifest
{
    public const string FileName = "CHECKPOINT";
    private const string Header = "cep-checkpoint 1";

    /// <summary>Lists and checksums every file in <paramref name="directory"/>, writes the manifest, and syncs it.</summary>
    public static void Write(string directory, long id, FileChecksums checksums)
    {
        var text = new StringBuilder();
        text.Append(Header).Append('\n');
        text.Append(CultureInfo.InvariantCulture, $"id {id}\n");
        foreach (string path in System.IO.Directory.GetFiles(directory).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            var (size, crc) = checksums.Of(path);
            text.Append(CultureInfo.InvariantCulture, $"file {name} {size} {crc:x8}\n");
        }
        string body = text.ToString();
        text.Append(CultureInfo.InvariantCulture, $"crc {Crc32C.Compute(Encoding.ASCII.GetBytes(body)):x8}\n");
        string manifest = Path.Combine(directory, FileName);
        using (var stream = new FileStream(manifest, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(Encoding.ASCII.GetBytes(text.ToString()));
            stream.Flush(flushToDisk: true);
        }
        FileLogFile.FlushDirectory(directory);
    }

    /// <summary>Checks a checkpoint directory against its manifest; null when whole, else what is wrong.</summary>
    public static string? Verify(string directory, long expectedId, FileChecksums checksums)
    {
        string manifest = Path.Combine(directory, FileName);
        if (!File.Exists(manifest))
        {
            return "no CHECKPOINT file (the checkpoint was not completed)";
        }
        string text = File.ReadAllText(manifest, Encoding.ASCII);
        int crcLine = text.LastIndexOf("crc ", StringComparison.Ordinal);
        if (!text.StartsWith(Header + "\n", StringComparison.Ordinal) || crcLine < 0
            || !uint.TryParse(text.AsSpan(crcLine + 4).Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out uint expectedCrc)
            || Crc32C.Compute(Encoding.ASCII.GetBytes(text[..crcLine])) != expectedCrc)
        {
            return "CHECKPOINT file is damaged";
        }
        var listed = new HashSet<string>(StringComparer.Ordinal) { FileName };
        foreach (string line in text[..crcLine].Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1))
        {
            string[] parts = line.Split(' ');
            if (parts[0] == "id")
            {
                if (long.Parse(parts[1], CultureInfo.InvariantCulture) != expectedId)
                {
                    return $"CHECKPOINT names id {parts[1]}, not {expectedId}";
                }
                continue;
            }
            string path = Path.Combine(directory, parts[1]);
            if (!File.Exists(path))
            {
                return $"file {parts[1]} is missing";
            }
            long size = long.Parse(parts[2], CultureInfo.InvariantCulture);
            uint crc = uint.Parse(parts[3], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var actual = checksums.Of(path);
            if (actual.Size != size || actual.Crc != crc)
            {
                return $"file {parts[1]} has size {actual.Size} and CRC-32C {actual.Crc:x8}, the checkpoint recorded {size} and {crc:x8}";
            }
            listed.Add(parts[1]);
        }
        string? extra = System.IO.Directory.GetFiles(directory).Select(Path.GetFileName).FirstOrDefault(n => !listed.Contains(n!));
        return extra is null ? null : $"file {extra} is not in the CHECKPOINT list";
    }
}
