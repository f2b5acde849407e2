using Cep.Storage.IO;
using Cep.Storage.Log;

namespace Cep.Storage.Tests.Log;

/// <summary>
/// A real segment file that can run out of space (writing part of the data first, as a full
/// disk does), and that records what each flush made durable. Optionally slows flushes down so
/// group commit has something to group.
/// </summary>
internal sealed class FaultyLogFile(string path) : ILogFile
{
    private readonly FileLogFile _file = new(path);
    private long _durableLength;

    /// <summary>Appends past this many bytes fail after writing what fits.</summary>
    public long Capacity { get; set; } = long.MaxValue;

    public TimeSpan FlushDelay { get; set; }

    public int FlushCount { get; private set; }

    /// <summary>The length the last completed flush made durable.</summary>
    public long DurableLength => Volatile.Read(ref _durableLength);

    public string Path => _file.Path;

    /// <summary>Opens partition t/0 on faulty files; <paramref name="active"/> gives the file opened last (the active segment's).</summary>
    public static PartitionLog OpenPartition(string directory, LogConfig config, out Func<FaultyLogFile> active)
    {
        FaultyLogFile? last = null;
        var log = PartitionLog.Open(directory, "t", 0, config, new PartitionLogOptions { OpenLogFile = path => last = new FaultyLogFile(path) });
        active = () => last!;
        return log;
    }

    public long Length => _file.Length;

    public void Append(ReadOnlySpan<byte> data)
    {
        long room = Capacity - _file.Length;
        if (data.Length > room)
        {
            if (room > 0)
            {
                _file.Append(data[..(int)room]); // the torn part a full disk leaves behind
            }
            throw new IOException("No space left on device");
        }
        _file.Append(data);
    }

    public int Read(long position, Span<byte> destination) => _file.Read(position, destination);

    public void Flush()
    {
        long length = _file.Length;
        if (FlushDelay > TimeSpan.Zero)
        {
            Thread.Sleep(FlushDelay);
        }
        _file.Flush();
        FlushCount++;
        Volatile.Write(ref _durableLength, Math.Max(_durableLength, length));
    }

    public void Truncate(long length) => _file.Truncate(length);

    public void Dispose() => _file.Dispose();
}
