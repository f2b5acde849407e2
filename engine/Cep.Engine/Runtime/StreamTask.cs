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
/// Merge: events go into the graph in (timestamp, input) order of the inputs' queue heads,
/// each input in offset order. The merge never picks past an input whose queue is empty
/// unless that input is finished (bounded runs) or idle (silent for InputIdleness), so the
/// order is a function of the input logs: a replay produces the same output. The task's
/// watermark is the minimum over its non-idle inputs and is pushed into every input after
/// each iteration. Outputs are appended (and acknowledged) before more input is read, which
/// bounds buffered output: a slow log slows the task. Owned by one thread of control.
/// </summary>
internal sealed class StreamTask(QueryContext context)
{
    private readonly QueryOptions _options = context.Options;
    private readonly TaskContextServices _services = new(context.Options, context.DeadLetters);
    private long _watermark = long.MinValue;

    public int Partition => context.Partition;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunLoopAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException and not QueryFailedException)
        {
            throw new QueryFailedException(context.QueryName, context.Partition, e);
        }
    }

    private async Task RunLoopAsync(CancellationToken cancellationToken)
    {
        var inputs = context.Inputs;
        if (inputs.Count == 0)
        {
            throw new InvalidOperationException($"query '{context.QueryName}' reads no topic");
        }
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var input in inputs)
            {
                Refill(input);
            }
            int pushed = Merge(inputs);
            ThrowIfFailed();
            AdvanceWatermark(inputs);
            await FlushAsync().ConfigureAwait(false);
            if (_services.StopError is { } stop && inputs.All(i => i.Buffered == 0))
            {
                throw new QueryFailedException(context.QueryName, context.Partition, stop);
            }
            if (_options.StopAtEnd && inputs.All(i => i.Buffered == 0 && Finished(i)))
            {
                foreach (var input in inputs)
                {
                    input.Complete(); // bounded input: every window closes
                }
                ThrowIfFailed();
                await FlushAsync().ConfigureAwait(false);
                return;
            }
            if (pushed == 0)
            {
                await WaitForInputAsync(inputs, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private void Refill(TaskInput input)
    {
        if (input.Buffered == 0 && !Finished(input) && _services.StopError is null && input.Fill(_services) > 0)
        {
            input.LastDataTicks = Stopwatch.GetTimestamp();
        }
    }

    private int Merge(IReadOnlyList<TaskInput> inputs)
    {
        int pushed = 0;
        while (pushed < _options.MaxRecordsPerIteration)
        {
            TaskInput? next = null;
            foreach (var input in inputs)
            {
                if (input.Buffered == 0)
                {
                    if (!Finished(input) && !Idle(input))
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
        }
        return pushed;
    }

    private void AdvanceWatermark(IReadOnlyList<TaskInput> inputs)
    {
        long watermark = long.MaxValue;
        bool any = false;
        foreach (var input in inputs)
        {
            if (!Idle(input))
            {
                watermark = Math.Min(watermark, input.Watermarks.Current);
                any = true;
            }
        }
        if (any && watermark > _watermark && watermark != long.MinValue)
        {
            _watermark = watermark;
            foreach (var input in inputs)
            {
                input.PushPunctuation(StreamItemKind.Watermark, watermark);
            }
        }
    }

    private async Task FlushAsync()
    {
        foreach (var output in context.Outputs)
        {
            await output.FlushAsync(context.Log).ConfigureAwait(false);
        }
    }

    private void ThrowIfFailed()
    {
        foreach (var output in context.Outputs)
        {
            if (output.Error is { } error)
            {
                throw new QueryFailedException(context.QueryName, context.Partition, error);
            }
        }
    }

    private async Task WaitForInputAsync(IReadOnlyList<TaskInput> inputs, CancellationToken cancellationToken)
    {
        var waits = inputs.Where(i => i.Buffered == 0 && !Finished(i)).Select(i => i.Cursor.WaitForDataAsync(cancellationToken)).ToList();
        if (waits.Count == 0)
        {
            return;
        }
        try
        {
            // Wake at least every idleness period, so an input can turn idle and release the merge.
            await Task.WhenAny(waits).WaitAsync(_options.InputIdleness, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Re-evaluate idleness.
        }
    }

    private bool Finished(TaskInput input) => _options.StopAtEnd && input.Cursor.Position >= input.EndOffset;

    private bool Idle(TaskInput input) =>
        input.Buffered == 0 && Stopwatch.GetElapsedTime(input.LastDataTicks) >= _options.InputIdleness;
}
