namespace Cep.Storage.IO;

/// <summary>
/// Replaces a small file so that a crash leaves either the old contents or the new, never a
/// mix: the bytes go to <c>&lt;path&gt;.tmp</c>, which is fsynced and renamed over the file, and
/// then the directory is fsynced so the rename itself survives. Thread-safety: callers
/// serialize writes to one path.
/// </summary>
public static class DurableFile
{
    public static void Replace(string path, ReadOnlySpan<byte> bytes)
    {
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: true);
        FileLogFile.FlushDirectory(Path.GetDirectoryName(path)!);
    }
}
