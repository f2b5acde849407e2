using System.Diagnostics;

namespace Cep.Benchmarks;

/// <summary>The metric sets the scenarios share, so ours and the peer's line up name for name. Thread-safe (pure).</summary>
internal static class Results
{
    public const double Mega = 1_000_000;

    /// <summary>Single-producer append: throughput, the build/append split and the final flush.</summary>
    public static MetricSet Append(long records, long bytes, TimeSpan wall, TimeSpan cpu, long buildTicks, long appendTicks, long maxAppendTicks, double finalFlushMs)
    {
        double seconds = wall.TotalSeconds;
        return new MetricSet()
            .Add("records_per_s", records / seconds)
            .Add("records_per_s_per_core", records / seconds)
            .Add("mb_per_s", bytes / seconds / Mega)
            .Add("records", records)
            .Add("bytes", bytes)
            .Add("elapsed_s", seconds)
            .Add("build_s", Seconds(buildTicks))
            .Add("append_s", Seconds(appendTicks))
            .Add("append_max_ms", Seconds(maxAppendTicks) * 1000)
            .Add("final_flush_ms", finalFlushMs)
            .Add("records_per_s_incl_final_flush", records / (seconds + finalFlushMs / 1000))
            .Add("cpu_cores_used", cpu / wall);
    }

    /// <summary>
    /// The round whose <paramref name="main"/> metric is the median, with the spread over all
    /// rounds added (<c>_min</c>, <c>_max</c>): the machine is shared, so one round can be unlucky.
    /// </summary>
    public static MetricSet Median(IReadOnlyList<MetricSet> rounds, string main)
    {
        var sorted = rounds.OrderBy(r => r[main]).ToList();
        var median = sorted[(sorted.Count - 1) / 2];
        return median
            .Add($"{main}_min", sorted[0][main])
            .Add($"{main}_max", sorted[^1][main])
            .Add("rounds", rounds.Count);
    }

    public static double Seconds(long stopwatchTicks) => (double)stopwatchTicks / Stopwatch.Frequency;

    /// <summary>The value at quantile <paramref name="q"/> of <paramref name="sorted"/> (nearest rank).</summary>
    public static double Quantile(IReadOnlyList<double> sorted, double q) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Count) - 1, 0, sorted.Count - 1)];
}
