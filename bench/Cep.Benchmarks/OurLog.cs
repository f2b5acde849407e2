using Cep.Storage.IO;
using Cep.Storage.Log;

namespace Cep.Benchmarks;

/// <summary>
/// One Cep partition log in its own temporary directory, its segment files wrapped so their
/// flushes are counted (<see cref="Flushes"/>). Owned by the scenario that opened it.
/// </summary>
internal sealed class OurLog : IDisposable
{
    private readonly TempDirectory _directory;

    public OurLog(string label, FlushPolicy policy)
    {
        _directory = new TempDirectory(label);
        var options = new PartitionLogOptions { OpenLogFile = path => new CountingLogFile(new FileLogFile(path), Flushes) };
        Log = PartitionLog.Open(_directory.Path, "bench", 0, new LogConfig { FlushPolicy = policy }, options);
    }

    public PartitionLog Log { get; }

    public FlushStats Flushes { get; } = new();

    public void Dispose()
    {
        Log.Dispose();
        _directory.Dispose();
    }
}
