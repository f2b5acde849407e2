using System.Globalization;
using Cep.Storage.IO;

namespace Cep.Storage.Log;

/// <summary>
/// One offset in a file of a partition's directory, as ASCII digits, replaced whole
/// (<see cref="DurableFile"/>). The partition keeps two: <c>recovery-point</c>, the base offset
/// of the first segment not yet known durable (segments before it were fsynced, log and
/// indexes, and are trusted on open; after an unclean shutdown every segment from it on is
/// recovered batch by batch), and <c>high-watermark</c>, a replicated partition's last known
/// high watermark, so that after a restart it does not hide records that were committed.
/// A missing or unreadable file reads as the caller's fallback.
/// Thread-safety: callers serialize writes.
/// </summary>
internal sealed class OffsetFile(string directory, string fileName)
{
    public const string RecoveryPoint = "recovery-point";
    public const string HighWatermark = "high-watermark";

    private string FilePath => Path.Combine(directory, fileName);

    public long Read(long fallback = 0)
    {
        try
        {
            return long.TryParse(File.ReadAllText(FilePath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long offset) ? offset : fallback;
        }
        catch (FileNotFoundException)
        {
            return fallback;
        }
    }

    public void Write(long offset) => DurableFile.Replace(FilePath, System.Text.Encoding.ASCII.GetBytes(offset.ToString(CultureInfo.InvariantCulture)));
}
