using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Cep.Storage.IO;

/// <summary>
/// <see cref="ILogFile"/> on a real file, with positional reads and writes (pread/pwrite) so
/// readers need no shared file position, and fdatasync on Linux so a flush does not also
/// write back the inode's times. Thread-safety as the interface says.
/// </summary>
public sealed partial class FileLogFile : ILogFile
{
    private readonly SafeFileHandle _handle;
    private long _length;

    public FileLogFile(string path)
    {
        Path = path;
        _handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        _length = RandomAccess.GetLength(_handle);
    }

    public string Path { get; }

    public long Length => Volatile.Read(ref _length);

    public void Append(ReadOnlySpan<byte> data)
    {
        long start = _length;
        try
        {
            RandomAccess.Write(_handle, data, start);
        }
        catch (IOException)
        {
            // A short write (e.g. disk full) may have left part of the data: cut it off so
            // the file ends at the last whole batch, then report.
            TryTruncate(start);
            throw;
        }
        Volatile.Write(ref _length, start + data.Length);
    }

    public int Read(long position, Span<byte> destination)
    {
        int total = 0;
        while (total < destination.Length)
        {
            int read = RandomAccess.Read(_handle, destination[total..], position + total);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }

    public void Flush()
    {
        if (OperatingSystem.IsLinux())
        {
            if (FDataSync((int)_handle.DangerousGetHandle()) != 0)
            {
                throw new IOException($"fdatasync failed on {Path}: errno {Marshal.GetLastPInvokeError()}");
            }
            return;
        }
        RandomAccess.FlushToDisk(_handle);
    }

    public void Truncate(long length)
    {
        RandomAccess.SetLength(_handle, length);
        Volatile.Write(ref _length, length);
    }

    public void Dispose() => _handle.Dispose();

    private void TryTruncate(long length)
    {
        try
        {
            RandomAccess.SetLength(_handle, length);
        }
        catch (IOException)
        {
            // Recovery on the next open cuts a torn tail anyway; the length field is unchanged.
        }
    }

    /// <summary>
    /// Makes a directory's entries durable (a created, renamed or deleted file survives a
    /// machine crash only once its directory is synced). A no-op where the OS offers no way.
    /// </summary>
    public static void FlushDirectory(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        const int ReadOnlyDirectory = 0x10000; // O_RDONLY | O_DIRECTORY
        int fd = Open(path, ReadOnlyDirectory);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {path} to sync it: errno {Marshal.GetLastPInvokeError()}");
        }
        try
        {
            if (FSync(fd) != 0)
            {
                throw new IOException($"fsync of directory {path} failed: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSync(int fd);
}
