using System.Diagnostics.Metrics;

namespace Cep.Engine.Runtime;

/// <summary>
/// The task runtime's instruments on the <c>Cep.Runtime</c> meter, tagged by query: records
/// pushed through the graphs, checkpoints written and their duration, each input's lag
/// (records between a task's position and its partition's end) and each task's watermark
/// delay (now minus its watermark), both sampled when observed.
/// Exporters (the daemon's /metrics) read them through System.Diagnostics.Metrics. Thread-safe.
/// </summary>
internal static class RuntimeMetrics
{
    private static readonly Meter Meter = new("Cep.Runtime");

    public static readonly Counter<long> Records = Meter.CreateCounter<long>("cep.task.records", "records", "Records pushed through the query's graphs");

    public static readonly Counter<long> Checkpoints = Meter.CreateCounter<long>("cep.checkpoint.count", "checkpoints", "Checkpoints written");

    public static readonly Histogram<double> CheckpointDuration = Meter.CreateHistogram<double>("cep.checkpoint.duration", "ms", "Time to write a checkpoint (stores staged, RocksDB batch and checkpoint, manifest)");

    public static readonly Counter<long> Rebalances = Meter.CreateCounter<long>("cep.query.rebalances", "rebalances", "Generations of its consumer group a query's worker joined (task assignments received)");

    public static readonly ObservableGauge<long> InputLag = Meter.CreateObservableGauge(
        "cep.input.lag",
        () => RuntimeProgress.Inputs().Select(p => new Measurement<long>(p.Lag, Tag("query", p.Query), Tag("topic", p.Topic), Tag("partition", p.Partition))),
        "records",
        "Records between a query's position in an input partition and the partition's end");

    public static readonly ObservableGauge<double> WatermarkDelay = Meter.CreateObservableGauge(
        "cep.watermark.delay",
        () => RuntimeProgress.Inputs().Where(p => p.Watermark is not null).GroupBy(p => (p.Query, p.Task))
            .Select(g => new Measurement<double>(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - g.Min(p => p.Watermark!.Value), Tag("query", g.Key.Query), Tag("task", g.Key.Task))),
        "ms",
        "Wall-clock time minus a task's watermark: how far event time trails now");

    /// <summary>Creates the instruments (the gauges must exist before anything records, so exporters see them from the first task on).</summary>
    public static void EnsureCreated() => GC.KeepAlive(InputLag);

    private static KeyValuePair<string, object?> Tag(string name, object value) => new(name, value);
}
