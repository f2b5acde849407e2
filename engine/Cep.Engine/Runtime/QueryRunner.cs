namespace Cep.Engine.Runtime;

/// <summary>
/// Runs a query definition over a log: one task per partition number of its inputs (which
/// must have equal partition counts), each with its own graph built by running the
/// definition for that task, all concurrently. The first task to fail stops the others and
/// its error is thrown (as <see cref="QueryFailedException"/>). Thread-safe (stateless).
/// </summary>
public static class QueryRunner
{
    public static async Task RunAsync(string queryName, Action<QueryContext> definition, ITopicLog log, QueryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        options ??= new QueryOptions();
        var first = Build(queryName, 0, definition, log, options);
        var partitions = first.Inputs.Select(i => (i.Cursor.Topic, Count: log.PartitionCount(i.Cursor.Topic))).Distinct().ToList();
        if (partitions.Select(p => p.Count).Distinct().Count() > 1)
        {
            throw new InvalidOperationException($"query '{queryName}': its inputs must have the same partition count (co-partitioned), but {string.Join(", ", partitions.Select(p => $"'{p.Topic}' has {p.Count}"))}");
        }
        int tasks = partitions.Count == 0 ? 1 : partitions[0].Count;
        var contexts = new List<QueryContext> { first };
        for (int partition = 1; partition < tasks; partition++)
        {
            contexts.Add(Build(queryName, partition, definition, log, options));
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = contexts.Select(c => Task.Run(() => new StreamTask(c).RunAsync(stop.Token), stop.Token)).ToList();
        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch
        {
            stop.Cancel();
            var failed = running.FirstOrDefault(t => t.IsFaulted && t.Exception!.InnerException is not OperationCanceledException);
            if (failed is not null)
            {
                await Task.WhenAll(running.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default))).ConfigureAwait(false);
                throw failed.Exception!.InnerException!;
            }
            throw;
        }
    }

    private static QueryContext Build(string queryName, int partition, Action<QueryContext> definition, ITopicLog log, QueryOptions options)
    {
        var context = new QueryContext(queryName, partition, log, options);
        using (context.Enter())
        {
            definition(context);
        }
        return context;
    }
}
