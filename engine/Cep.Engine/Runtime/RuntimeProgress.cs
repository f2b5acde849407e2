using System.Collections.Concurrent;

namespace Cep.Engine.Runtime;

/// <summary>
/// The running tasks of every query in the process, for lag and watermark reports (the
/// daemon's /groups and the <c>cep.input.lag</c> and <c>cep.watermark.delay</c> gauges). A
/// task is here from its start to its end. Reads are snapshots taken while tasks run, so a
/// position may be a moment old. Thread-safe.
/// </summary>
public static class RuntimeProgress
{
    private static readonly ConcurrentDictionary<StreamTask, byte> Running = new();

    /// <summary>Every input partition of every running task, by query, task, topic and partition.</summary>
    public static IReadOnlyList<InputProgress> Inputs() =>
        Running.Keys.SelectMany(task => task.Progress())
            .OrderBy(p => p.Query, StringComparer.Ordinal).ThenBy(p => p.Task).ThenBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition)
            .ToList();

    internal static void Started(StreamTask task)
    {
        RuntimeMetrics.EnsureCreated();
        Running.TryAdd(task, 0);
    }

    internal static void Ended(StreamTask task) => Running.TryRemove(task, out _);
}
