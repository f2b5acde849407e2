using System.Globalization;
using Cep.Storage.IO;

namespace Cep.Storage.Log;

/// <summary>
/// <c>recovery-point</c>: the base offset of the first segment not yet known durable. Segments
/// before it were fsynced (log and indexes) and are trusted on open; after an unclean shutdown
/// every segment from it on is recovered batch by batch. Written to a temporary file, synced and
/// renamed, so it is always whole; a missing or unreadable file means 0 (recover everything).
/// Thread-safety: callers serialize writes (the partition's flush lock).
/// </summary>
internal sealed class RecoveryPointFile(string directory)
{
    private const string FileName = "recovery-point";

    private string FilePath => Path.Combine(directory, FileName);

    public long Read()
    {
        try
        {
            return long.TryParse(File.ReadAllText(FilePath).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long offset) ? offset : 0;
        }
        catch (FileNotFoundException)
        {
            return 0;
        }
    }

    public void Write(long offset)
    {
        string temporary = FilePath + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            stream.Write(System.Text.Encoding.ASCII.GetBytes(offset.ToString(CultureInfo.InvariantCulture)));
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, FilePath, overwrite: true);
        FileLogFile.FlushDirectory(directory);
    }
}
