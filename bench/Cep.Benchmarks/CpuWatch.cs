using System.Diagnostics;

namespace Cep.Benchmarks;

/// <summary>
/// Wall-clock and process CPU time over one measured phase. CPU time counts every thread
/// (flusher, timer, GC), so CPU seconds / wall seconds says how many cores the phase really
/// kept busy. Owned by one thread.
/// </summary>
internal readonly struct CpuWatch
{
    private readonly long _startTimestamp;
    private readonly TimeSpan _startCpu;

    private CpuWatch(long startTimestamp, TimeSpan startCpu)
    {
        _startTimestamp = startTimestamp;
        _startCpu = startCpu;
    }

    public static CpuWatch Start() => new(Stopwatch.GetTimestamp(), Process.GetCurrentProcess().TotalProcessorTime);

    /// <summary>Elapsed wall-clock and CPU time since <see cref="Start"/>, read together.</summary>
    public (TimeSpan Wall, TimeSpan Cpu) Elapsed()
    {
        var wall = Stopwatch.GetElapsedTime(_startTimestamp);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - _startCpu;
        return (wall, cpu);
    }
}
