using FASTER.core;

namespace Cep.Benchmarks;

/// <summary>
/// A FasterLog in its own temporary directory, set up the same way for every scenario:
/// 4 MiB pages, 64 MiB in memory (FASTER's default of 8 MiB gives it only two pages and
/// stalls enqueues on every page write), 1 GiB segments like ours, a checksum on every entry
/// (so its reads are verified like our CRC-checked batches), and its Linux default device:
/// write-through, and O_DIRECT unless <c>pageCache</c> asks for buffered files (so that a
/// replay can be served from the page cache, as ours is). Owned by the scenario that opened it.
/// </summary>
internal sealed class FasterLogHost : IDisposable
{
    private readonly TempDirectory _directory;
    private readonly IDevice _device;

    public FasterLogHost(string label, bool pageCache = false)
    {
        _directory = new TempDirectory(label);
        _device = Devices.CreateLogDevice(System.IO.Path.Combine(_directory.Path, "hlog.log"), deleteOnClose: true, disableFileBuffering: !pageCache);
        Log = new FasterLog(new FasterLogSettings
        {
            LogDevice = _device,
            PageSize = 1L << 22,
            MemorySize = 1L << 26,
            SegmentSize = 1L << 30,
            LogChecksum = LogChecksumType.PerEntry,
            LogCommitDir = System.IO.Path.Combine(_directory.Path, "commits"),
        });
    }

    /// <summary>What the comparison is against, for the report.</summary>
    public const string Setup = "FASTER FasterLog 2.6.5: 4 MiB pages, 64 MiB memory, per-entry checksum, default Linux device (O_DIRECT, write-through)";

    public FasterLog Log { get; }

    public string Path => _directory.Path;

    /// <summary>Bytes the log occupies from its begin to its tail address (headers and checksums included).</summary>
    public long LogBytes => Log.TailAddress - Log.BeginAddress;

    public void Dispose()
    {
        Log.Dispose();
        _device.Dispose();
        _directory.Dispose();
    }
}
