using System.Diagnostics.Metrics;

namespace Cep.Engine.Runtime;

/// <summary>
/// The task runtime's instruments on the <c>Cep.Runtime</c> meter, tagged by query: records
/// pushed through the graphs, checkpoints written and their duration, and each input's lag
/// (records between a task's read position and its partition's end, sampled when observed).
/// Exporters (the daemon's /metrics) read them through System.Diagnostics.Metrics. Thread-safe.
/// </summary>
internal static class RuntimeMetrics
{
    private static readonly Meter Meter = new("Cep.Runtime");

    public static readonly Counter<long> Records = Meter.CreateCounter<long>("cep.task.records", "records", "Records pushed through the query's graphs");

    public static readonly Counter<long> Checkpoints = Meter.CreateCounter<long>("cep.checkpoint.count", "checkpoints", "Checkpoints written");

    public static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram<double>("cep.checkpoint.duration", "ms", "Time to write a checkpoint (stores staged, RocksDB batch and checkpoint, manifest)");
}
