using Microsoft.Extensions.Logging;

namespace Cep.Engine.Runtime;

/// <summary>
/// A standby replica of a task that runs on another member: a warm copy of its state in this
/// member's state directory, kept by applying what the task's changelog completed, every
/// <see cref="QueryOptions.CheckpointInterval"/> (at least 100 ms), and checkpointing it
/// locally. When the task moves here its restore starts from that checkpoint and replays only
/// what came after it, instead of the whole changelog. Never appends to the changelog; a
/// failure to read it is logged and tried again. Owned by one caller (<see cref="RunAsync"/> once).
/// </summary>
internal sealed class StandbyTask(QueryContext context, ILogger logger)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var state = context.State ?? throw new InvalidOperationException("a standby needs the task's state (a state directory)");
        var changelog = state.Changelog ?? throw new InvalidOperationException("a standby needs the task's changelog");
        var interval = context.Options.CheckpointInterval < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : context.Options.CheckpointInterval;
        try
        {
            using var db = state.OpenStandby();
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (await changelog.CatchUpAsync(db) > 0)
                    {
                        db.Checkpoint();
                    }
                }
                catch (Cep.Storage.Topics.UnknownTopicException)
                {
                    // No changelog yet: the task has not run anywhere.
                }
                catch (Exception e) when (e is IOException or Cep.Storage.StorageException)
                {
                    logger.LogWarning("Query {Query} standby of task {Task}: {Message}; trying again", context.QueryName, context.Partition, e.Message);
                }
                try
                {
                    await Task.Delay(interval, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            foreach (var input in context.Inputs)
            {
                (input.Cursor as IDisposable)?.Dispose(); // built for the definition, never read
            }
        }
    }
}
