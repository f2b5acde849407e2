using System.Diagnostics;
using Cep.Storage.IO;

namespace Cep.Benchmarks;

/// <summary>
/// Passes every call through to the real segment file and counts the flushes (fdatasync) and
/// the time spent in them, so a result can say how much of the run the disk took. Costs one
/// extra interface call per appended batch, none per record.
/// Thread-safety: as <see cref="ILogFile"/>; the counters are shared through <see cref="FlushStats"/>.
/// </summary>
internal sealed class CountingLogFile : ILogFile
{
    private readonly ILogFile _inner;
    private readonly FlushStats _stats;

    public CountingLogFile(ILogFile inner, FlushStats stats)
    {
        _inner = inner;
        _stats = stats;
    }

    public string Path => _inner.Path;

    public long Length => _inner.Length;

    public void Append(ReadOnlySpan<byte> data) => _inner.Append(data);

    public int Read(long position, Span<byte> destination) => _inner.Read(position, destination);

    public void Flush()
    {
        long start = Stopwatch.GetTimestamp();
        _inner.Flush();
        _stats.Record(Stopwatch.GetElapsedTime(start));
    }

    public void Truncate(long length) => _inner.Truncate(length);

    public void Dispose() => _inner.Dispose();
}
