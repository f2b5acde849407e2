using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Cep.Engine.Runtime;

/// <summary>
/// Runs some of a query's tasks and changes which while running: a consumer-group member's
/// share of the query. <see cref="Start"/> builds a task's graph (restoring its checkpoint) and
/// runs it; <see cref="ReleaseAsync"/> stops one — it checkpoints first — so another worker can
/// take it over from that checkpoint. The query's task count is the partition count of its
/// inputs (co-partitioned), found by building the definition once without state. A task that
/// fails makes <see cref="Failed"/> complete with its error; the others go on until the caller
/// stops them. With <see cref="QueryOptions.Workers"/> the tasks run on that worker pool's threads.
/// Thread-safe.
/// </summary>
public sealed class QueryWorker : IAsyncDisposable
{
    private readonly string _queryName;
    private readonly Action<QueryContext> _definition;
    private readonly ITopicLog _log;
    private readonly QueryOptions _options;
    private readonly ConcurrentDictionary<int, RunningTask> _running = new();
    private readonly ConcurrentDictionary<int, int> _starts = new();
    private readonly ConcurrentDictionary<int, RunningTask> _standbys = new();
    private readonly TaskCompletionSource<Exception> _failed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IReadOnlyList<string> _inputTopics;
    private readonly Timer _inputCheck;

    public QueryWorker(string queryName, Action<QueryContext> definition, ITopicLog log, QueryOptions options)
    {
        ArgumentNullException.ThrowIfNull(definition);
        _queryName = queryName;
        _definition = definition;
        _log = log;
        _options = options;
        (TaskCount, _inputTopics) = CountTasks();
        _options = options with { TaskCount = TaskCount };
        _inputCheck = new Timer(_ => CheckInputs(), null, options.InputCheckInterval, options.InputCheckInterval);
    }

    /// <summary>The version of the query's code this worker runs (<see cref="QueryOptions.Version"/>; empty when none).</summary>
    public string Version => _options.Version ?? "";

    /// <summary>How many tasks the query has (its inputs' partition count).</summary>
    public int TaskCount { get; }

    /// <summary>The tasks running here now.</summary>
    public IReadOnlyCollection<int> Running => _running.Keys.Order().ToList();

    /// <summary>How many standby replicas of each task the group should keep (<see cref="QueryOptions.StandbyReplicas"/>; 0 without a changelog).</summary>
    public int StandbyReplicas => _options.Changelog && _options.StateDirectory is not null ? _options.StandbyReplicas : 0;

    /// <summary>The tasks this worker keeps standby replicas of.</summary>
    public IReadOnlyCollection<int> Standbys => _standbys.Keys.Order().ToList();

    /// <summary>Completes with the first task failure (never on a release or a stop).</summary>
    public Task<Exception> Failed => _failed.Task;

    /// <summary>How many times <paramref name="task"/> was started here (a task that keeps running across a rebalance is started once).</summary>
    public int StartCount(int task) => _starts.GetValueOrDefault(task);

    /// <summary>
    /// Builds and starts <paramref name="task"/> (from its checkpoint, with state); returns what
    /// ends when the task does (it never faults: a failure goes to <see cref="Failed"/>).
    /// Nothing new when the task runs here already.
    /// </summary>
    public Task Start(int task)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(task);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(task, TaskCount);
        if (_standbys.ContainsKey(task))
        {
            throw new InvalidOperationException($"query '{_queryName}': task {task} has a standby here; stop it before starting the task");
        }
        var stop = new CancellationTokenSource();
        var body = new Task<Task>(() => RunAsync(task, stop.Token), CancellationToken.None, TaskCreationOptions.DenyChildAttach);
        var running = new RunningTask(stop, body.Unwrap());
        if (!_running.TryAdd(task, running))
        {
            stop.Dispose();
            return _running.TryGetValue(task, out var already) ? already.Run : Task.CompletedTask;
        }
        _starts.AddOrUpdate(task, 1, (_, count) => count + 1);
        body.Start(_options.Workers?.Scheduler ?? TaskScheduler.Default);
        return running.Run;
    }

    /// <summary>Stops <paramref name="task"/> (it checkpoints) and waits until it has; nothing when it does not run here.</summary>
    public async Task ReleaseAsync(int task)
    {
        if (_running.TryGetValue(task, out var running))
        {
            await running.Stop.CancelAsync().ConfigureAwait(false);
            await running.Run.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts keeping a standby replica of <paramref name="task"/> (<see cref="StandbyTask"/>;
    /// needs a state directory and the changelog); nothing when it keeps one already. The task
    /// must not run here meanwhile: both would open the same state.
    /// </summary>
    public void StartStandby(int task)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(task);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(task, TaskCount);
        if (_running.ContainsKey(task))
        {
            throw new InvalidOperationException($"query '{_queryName}': task {task} runs here; it cannot also be a standby here");
        }
        var stop = new CancellationTokenSource();
        var body = new Task<Task>(() => RunStandbyAsync(task, stop.Token), CancellationToken.None, TaskCreationOptions.DenyChildAttach);
        if (!_standbys.TryAdd(task, new RunningTask(stop, body.Unwrap())))
        {
            stop.Dispose();
            return;
        }
        body.Start(TaskScheduler.Default);
    }

    /// <summary>Stops keeping the standby of <paramref name="task"/> (its last catch-up is checkpointed) and waits until it has closed the state.</summary>
    public async Task StopStandbyAsync(int task)
    {
        if (_standbys.TryRemove(task, out var standby))
        {
            await standby.Stop.CancelAsync().ConfigureAwait(false);
            await standby.Run.ConfigureAwait(false);
            standby.Stop.Dispose();
        }
    }

    /// <summary>Releases every task (each checkpoints) and stops every standby.</summary>
    public async ValueTask DisposeAsync()
    {
        await _inputCheck.DisposeAsync().ConfigureAwait(false);
        await Task.WhenAll(_running.Keys.ToList().Select(ReleaseAsync).Concat(_standbys.Keys.ToList().Select(StopStandbyAsync))).ConfigureAwait(false);
    }

    /// <summary>
    /// A task reads partition i of every input, so an input whose partition count changed
    /// under the query would leave partitions unread or tasks without input: the query fails,
    /// saying so, rather than go on with part of its data.
    /// </summary>
    private void CheckInputs()
    {
        foreach (string topic in _inputTopics)
        {
            try
            {
                int count = _log.PartitionCount(topic);
                if (count != TaskCount)
                {
                    _failed.TrySetResult(new InvalidOperationException(
                        $"query '{_queryName}': input '{topic}' now has {count} partitions; the query runs {TaskCount} tasks. Deploy it again (with a start position) to use the new partitions"));
                }
            }
            catch (Exception e) when (e is Cep.Storage.StorageException)
            {
                // A deleted input fails the tasks reading it, with its own message.
            }
        }
    }

    private async Task RunAsync(int task, CancellationToken stop)
    {
        try
        {
            // The definition (user code, a script) runs on the .NET pool: were it to block on
            // something async, it must not hold one of the few worker threads while it waits.
            var context = await Task.Run(() => QueryRunner.Build(_queryName, task, _definition, _log, _options), CancellationToken.None);
            await new StreamTask(context).RunAsync(stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Released: the task checkpointed.
        }
        catch (TaskFencedException e)
        {
            // A zombie: the group gave the task to another member while this one was cut off.
            // The query goes on here with its other tasks; the next rebalance sets things right.
            _options.LoggerFactory.CreateLogger<QueryWorker>().LogWarning("{Message}", e.Message);
        }
        catch (Exception e)
        {
            _failed.TrySetResult(e is QueryFailedException ? e : new QueryFailedException(_queryName, task, e));
        }
        finally
        {
            if (_running.TryRemove(task, out var ended))
            {
                ended.Stop.Dispose();
            }
        }
    }

    private async Task RunStandbyAsync(int task, CancellationToken stop)
    {
        var logger = _options.LoggerFactory.CreateLogger<StandbyTask>();
        try
        {
            var context = await Task.Run(() => QueryRunner.Build(_queryName, task, _definition, _log, _options), CancellationToken.None);
            await new StandbyTask(context, logger).RunAsync(stop);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A standby is an optimisation: losing it costs a longer restore, never the query.
            logger.LogWarning("Query {Query}: the standby of task {Task} stopped: {Message}", _queryName, task, e.Message);
        }
    }

    private (int Count, IReadOnlyList<string> Inputs) CountTasks()
    {
        // A stateless build: it only tells which topics the query reads.
        var probe = QueryRunner.Build(_queryName, 0, _definition, _log, _options with { StateDirectory = null });
        var partitions = probe.Inputs.Select(i => (i.Cursor.Topic, Count: _log.PartitionCount(i.Cursor.Topic))).Distinct().ToList();
        if (partitions.Select(p => p.Count).Distinct().Count() > 1)
        {
            throw new InvalidOperationException($"query '{_queryName}': its inputs must have the same partition count (co-partitioned), but {string.Join(", ", partitions.Select(p => $"'{p.Topic}' has {p.Count}"))}");
        }
        var sources = probe.Inputs.Select(i => i.Cursor.Topic).Where(t => !t.StartsWith($"{_queryName}-repartition-", StringComparison.Ordinal)).Distinct().ToList();
        foreach (var input in probe.Inputs)
        {
            (input.Cursor as IDisposable)?.Dispose(); // a client's cursors hold connections
        }
        return (partitions.Count == 0 ? 1 : partitions[0].Count, sources);
    }

    /// <summary>One running task: how to stop it and what it is doing.</summary>
    private sealed record RunningTask(CancellationTokenSource Stop, Task Run);
}
