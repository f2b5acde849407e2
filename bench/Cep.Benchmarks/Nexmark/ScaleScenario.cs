using Cep.Engine.Runtime;
using Cep.Storage.Topics;

namespace Cep.Benchmarks.Nexmark;

/// <summary>
/// Nexmark q5 (hot items: hopping windows, a repartition, an arg-max) from the log with its four
/// tasks on a worker pool of one thread, then of two: the speed-up a second worker gives on this
/// 2-core machine. Same events, a fresh output and its own repartition topics for each run;
/// each output checked against LINQ.
/// </summary>
internal sealed class ScaleScenario : IScenario
{
    // Tasks are coupled through the repartition topic (each waits for the others' watermarks),
    // so two tasks per worker keep both workers busy where one each leaves gaps.
    private const int Partitions = 4;

    public string Name => "scale";

    public string Description => "Nexmark q5 with 1 and 2 worker threads: events/s and the speed-up";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        int events = quick ? 2_000_000 : 10_000_000;
        using var directory = new TempDirectory(Name);
        using var store = TopicStore.Open(directory.Path);
        long bids = NexmarkScenario.Generate(store, events, Partitions).Bids;
        var metrics = new MetricSet();
        var checks = new List<string>();
        var rates = new Dictionary<int, double>();
        foreach (int workers in new[] { 1, 2 })
        {
            using var pool = new WorkerPool(workers);
            var (wall, cpu, _, check) = await NexmarkScenario.RunQueryAsync(store, $"scale-{workers}", "q5", events, Partitions, new QueryOptions { StopAtEnd = true, Workers = pool });
            rates[workers] = bids / wall.TotalSeconds;
            metrics.Add($"workers{workers}_events_per_s", rates[workers]).Add($"workers{workers}_cores_busy", cpu / wall);
            checks.Add($"{workers} worker(s): {check}");
            // The next run starts from the same footing: no repartition data of this one in the
            // page cache to write back, no garbage of its windows.
            foreach (string topic in store.ListTopics().Where(t => t.StartsWith($"scale-{workers}-", StringComparison.Ordinal)))
            {
                store.DeleteTopic(topic);
            }
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }
        metrics.Add("speedup", rates[2] / rates[1]);
        return new ScenarioResult(
            Name,
            $"Nexmark q5 over {bids:N0} bids in {Partitions} partitions ({Partitions} tasks), MemoryPack values, bounded run; tasks on a WorkerPool of 1, then 2 threads",
            metrics,
            "speedup",
            1.7,
            null,
            ["events_per_s is wall-clock: the 2-worker run uses both cores of this machine.", .. checks]);
    }
}
