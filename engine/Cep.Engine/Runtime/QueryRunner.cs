namespace Cep.Engine.Runtime;

/// <summary>
/// Runs a query definition over a log: one task per partition number of its inputs (which
/// must have equal partition counts), each with its own graph built by running the
/// definition for that task, all concurrently (a <see cref="QueryWorker"/> running every
/// task). The first task to fail stops the others and its error is thrown (as
/// <see cref="QueryFailedException"/>); cancelling stops every task after it checkpoints.
/// Thread-safe (stateless).
/// </summary>
public static class QueryRunner
{
    public static async Task RunAsync(string queryName, Action<QueryContext> definition, ITopicLog log, QueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        var worker = new QueryWorker(queryName, definition, log, options ?? new QueryOptions());
        await using (worker.ConfigureAwait(false))
        {
            var all = Task.WhenAll(Enumerable.Range(0, worker.TaskCount).Select(worker.Start).ToList());
            var cancelled = Task.Delay(Timeout.Infinite, cancellationToken);
            await Task.WhenAny(all, worker.Failed, cancelled).ConfigureAwait(false);
            // A failed task ends too: the failure wins over "every task ended".
            if (worker.Failed.IsCompleted)
            {
                throw await worker.Failed.ConfigureAwait(false);
            }
            // Cancelled: disposing the worker releases every task (each checkpoints) before this throws.
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>Forgets the state of <paramref name="queryName"/> kept in its changelog (if it has one), for every task on every machine: the query starts over.</summary>
    public static Task ResetChangelogAsync(ITopicLog log, string queryName) => Changelog.ResetAsync(log, queryName);

    internal static QueryContext Build(string queryName, int partition, Action<QueryContext> definition, ITopicLog log, QueryOptions options)
    {
        var context = new QueryContext(queryName, partition, log, options);
        using (context.Enter())
        {
            definition(context);
        }
        return context;
    }
}
