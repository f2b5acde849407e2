using System.Diagnostics;

namespace Cep.Engine.Runtime;

/// <summary>
/// Runs one task: a single logical thread that reads its partition of every input, pushes
/// events through the task's graph and appends the outputs.
/// <code>
///   fill empty input queues ──► merge ──► watermark ──► flush outputs ──► wait if idle
///        ▲                                                                    │
///        └────────────────────────────────────────────────────────────────────┘
/// </code>
/// Merge, per input group: events go into the graph in (timestamp, input) order of the
/// inputs' queue heads, each input in offset order. The merge never picks past an input
/// whose queue is empty unless that input is finished or idle (silent for its strategy's
/// idleness, else QueryOptions.InputIdleness),
/// so the order is a function of the input logs: a replay produces the same output. A
/// group's watermark is the minimum over its non-idle inputs and is pushed into each of
/// them right after the event that advanced it — not once per iteration, whose size depends
/// on how much input was available: then where watermarks fall among the events, and so the
/// order in which different operators' results interleave in an output, depends only on the
/// input logs (a restored or replayed task writes the same records in the same order).
/// Outputs are appended (and acknowledged) before more input is
/// read, which bounds buffered output: a slow log slows the task. In a bounded run a group
/// completes (its windows close) once all its inputs are finished and drained, and the task
/// ends when every group has.
/// <para>
/// With checkpointed state (<see cref="QueryContext.State"/>): before the first event the
/// task restores its newest checkpoint (operator state, input offsets, watermarks, output
/// sequences), tells its outputs how far the log already has their records, and pushes the
/// restored watermarks. Between iterations — no event in flight, outputs appended — it
/// checkpoints every <see cref="QueryOptions.CheckpointInterval"/>, when cancelled (graceful
/// stop) and when a bounded run ends; never after a bad record stopped it (a restart must
/// meet that record again).
/// </para>
/// Owned by one thread of control.
/// </summary>
internal sealed class StreamTask
{
    private readonly QueryContext _context;
    private readonly QueryOptions _options;
    private readonly TaskContextServices _services;
    private readonly GroupWatermarks _groupWatermarks = new();
    private readonly HashSet<int> _completedGroups = [];
    private long _lastCheckpointTicks = Stopwatch.GetTimestamp();

    public StreamTask(QueryContext context)
    {
        _context = context;
        _options = context.Options;
        _services = new TaskContextServices(context.Options, context.DeadLetters);
        context.State?.Register(_groupWatermarks);
    }

    /// <summary>
    /// Runs the task until its inputs end (bounded runs) or it is cancelled. Its awaits keep the
    /// scheduler it was started on (no ConfigureAwait(false)), so a task started on a
    /// <see cref="WorkerPool"/> runs on the pool's threads throughout.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        RuntimeProgress.Started(this);
        try
        {
            await RestoreAsync();
            await RunLoopAsync(cancellationToken);
            await CheckpointAsync();
        }
        catch (OperationCanceledException) when (_context.State is not null && _services.StopError is null)
        {
            await CheckpointAsync(); // cancelled between iterations: a consistent point
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException and not QueryFailedException and not TaskFencedException)
        {
            throw new QueryFailedException(_context.QueryName, _context.Partition, e);
        }
        finally
        {
            RuntimeProgress.Ended(this);
            _context.State?.Dispose();
            foreach (var input in _context.Inputs)
            {
                (input.Cursor as IDisposable)?.Dispose(); // cursors over a client hold connections
            }
        }
    }

    /// <summary>Where this task is in each input (any thread; a snapshot).</summary>
    internal IEnumerable<InputProgress> Progress() => _context.Inputs.Select(input => new InputProgress(
        _context.QueryName,
        _context.Partition,
        input.Cursor.Topic,
        input.Cursor.Partition,
        input.ProcessedPosition,
        _context.Log.EndOffset(input.Cursor.Topic, input.Cursor.Partition),
        input.PushedWatermark == long.MinValue ? null : input.PushedWatermark));

    private async Task RestoreAsync()
    {
        if (_context.State is not { } state)
        {
            return;
        }
        await state.RestoreAsync();
        foreach (var batches in _context.Batches)
        {
            batches.SkipWhatTheLogHas(_context.Log);
        }
        foreach (var (group, watermark) in _groupWatermarks.All)
        {
            foreach (var input in _context.Inputs.Where(i => i.Group == group))
            {
                input.PushPunctuation(StreamItemKind.Watermark, watermark);
                input.PushedWatermark = watermark;
            }
        }
    }

    private async Task CheckpointAsync()
    {
        if (_context.State is { } state && _services.StopError is null)
        {
            long started = Stopwatch.GetTimestamp();
            await state.CheckpointAsync();
            _lastCheckpointTicks = Stopwatch.GetTimestamp();
            var query = new KeyValuePair<string, object?>("query", _context.QueryName);
            RuntimeMetrics.Checkpoints.Add(1, query);
            RuntimeMetrics.CheckpointDuration.Record(Stopwatch.GetElapsedTime(started, _lastCheckpointTicks).TotalMilliseconds, query);
        }
    }

    private async Task CheckpointIfDueAsync()
    {
        if (_context.State is not null && Stopwatch.GetElapsedTime(_lastCheckpointTicks) >= _options.CheckpointInterval)
        {
            await CheckpointAsync();
        }
    }

    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        if (_context.Inputs.Count == 0)
        {
            throw new InvalidOperationException($"query '{_context.QueryName}' reads no topic");
        }
        var groups = _context.Inputs.GroupBy(i => i.Group).Select(g => g.ToList()).ToList();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int pushed = 0;
            foreach (var group in groups)
            {
                foreach (var input in group)
                {
                    Refill(input);
                }
                pushed += Merge(group);
                ThrowIfFailed();
                AdvanceWatermark(group);
            }
            await FlushAsync();
            await CheckpointIfDueAsync();
            if (pushed > 0)
            {
                _options.OnProgress?.Invoke(pushed);
                RuntimeMetrics.Records.Add(pushed, new KeyValuePair<string, object?>("query", _context.QueryName));
            }
            if (_services.StopError is { } stop && _context.Inputs.All(i => i.Buffered == 0))
            {
                throw new QueryFailedException(_context.QueryName, _context.Partition, stop);
            }
            if (await CompleteFinishedGroupsAsync(groups))
            {
                return;
            }
            if (pushed == 0)
            {
                await WaitForInputAsync(cancellationToken);
            }
        }
    }

    private void Refill(TaskInput input)
    {
        if (input.Buffered == 0 && !input.IsFinished(_options.StopAtEnd) && _services.StopError is null && input.Fill(_services) > 0)
        {
            input.LastDataTicks = Stopwatch.GetTimestamp();
        }
    }

    private int Merge(List<TaskInput> group)
    {
        int pushed = 0;
        while (pushed < _options.MaxRecordsPerIteration)
        {
            TaskInput? next = null;
            foreach (var input in group)
            {
                if (input.Buffered == 0)
                {
                    if (!input.IsFinished(_options.StopAtEnd) && !Idle(input))
                    {
                        return pushed; // it may still deliver an earlier event
                    }
                    continue;
                }
                if (next is null || input.HeadTimestamp < next.HeadTimestamp)
                {
                    next = input;
                }
            }
            if (next is null)
            {
                return pushed;
            }
            next.PushHead();
            pushed++;
            Refill(next);
            AdvanceWatermark(group);
        }
        return pushed;
    }

    private void AdvanceWatermark(List<TaskInput> group)
    {
        long watermark = long.MaxValue;
        bool any = false;
        foreach (var input in group)
        {
            if (!Idle(input))
            {
                watermark = Math.Min(watermark, input.Watermark);
                any = true;
            }
        }
        long current = _groupWatermarks.Of(group[0].Group);
        // long.MaxValue is an end marker, not a watermark: completion closes the windows instead.
        if (any && watermark > current && watermark != long.MinValue && watermark != long.MaxValue)
        {
            _groupWatermarks.Set(group[0].Group, watermark);
            foreach (var input in group)
            {
                input.PushPunctuation(StreamItemKind.Watermark, watermark);
                input.PushedWatermark = watermark;
            }
        }
    }

    /// <summary>Completes each group whose inputs are all finished and drained; true when every group has.</summary>
    private async Task<bool> CompleteFinishedGroupsAsync(List<List<TaskInput>> groups)
    {
        foreach (var group in groups)
        {
            if (!_completedGroups.Contains(group[0].Group) && group.All(i => i.Buffered == 0 && i.IsFinished(_options.StopAtEnd)))
            {
                foreach (var input in group)
                {
                    input.Complete(); // bounded input: every window closes
                }
                _completedGroups.Add(group[0].Group);
                ThrowIfFailed();
                await FlushAsync();
            }
        }
        return _completedGroups.Count == groups.Count;
    }

    private async Task FlushAsync()
    {
        foreach (var output in _context.Outputs)
        {
            await output.FlushAsync(_context.Log);
        }
    }

    private void ThrowIfFailed()
    {
        foreach (var output in _context.Outputs)
        {
            if (output.Error is { } error)
            {
                throw new QueryFailedException(_context.QueryName, _context.Partition, error);
            }
        }
    }

    private async Task WaitForInputAsync(CancellationToken cancellationToken)
    {
        var waiting = _context.Inputs.Where(i => i.Buffered == 0 && !i.IsFinished(_options.StopAtEnd)).ToList();
        if (waiting.Count == 0)
        {
            return;
        }
        // Wake at least every idleness period, so an input can turn idle and release the merge;
        // the waits left over are cancelled, so an idle task does not pile them up.
        using var wake = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wake.CancelAfter(_context.Inputs.Min(i => i.Idleness ?? _options.InputIdleness));
        var waits = waiting.Select(i => i.Cursor.WaitForDataAsync(wake.Token)).ToList();
        await Task.WhenAny(waits);
        wake.Cancel();
        cancellationToken.ThrowIfCancellationRequested();
        await Task.WhenAll(waits.Select(w => w.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default)));
    }

    private bool Idle(TaskInput input) =>
        input.Buffered == 0 && Stopwatch.GetElapsedTime(input.LastDataTicks) >= (input.Idleness ?? _options.InputIdleness);
}
