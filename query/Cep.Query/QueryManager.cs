using Cep.Engine.Runtime;

namespace Cep.Query;

/// <summary>
/// The queries a daemon runs: each deployed script compiles (or comes from the compile cache),
/// runs as one task per input partition with checkpointed state, and is tracked by name.
/// Deploying a name that runs replaces it (the old one is stopped — checkpointing — and
/// unloaded first; the new one resumes from that checkpoint when its state has the same
/// shape). A query that fails stops alone: the others go on, and its status says why.
/// Stopping cancels the query's tasks, which checkpoint before they end. With a catalog, a
/// deployment is recorded and an explicit stop removes it (stopping the daemon does not), so
/// <see cref="RedeployCatalogAsync"/> brings the same queries back after a restart. Thread-safe.
/// </summary>
public sealed class QueryManager(ITopicLog log, QueryOptions options, string cacheDirectory, QueryCatalog? catalog = null) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Deployment> _queries = new(StringComparer.Ordinal);

    /// <summary>Every query deployed since start, by name.</summary>
    public IReadOnlyList<QueryStatus> List()
    {
        lock (_lock)
        {
            return _queries.Values.Select(d => d.Status).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        }
    }

    public QueryStatus? Get(string name)
    {
        lock (_lock)
        {
            return _queries.TryGetValue(name, out var deployment) ? deployment.Status : null;
        }
    }

    /// <summary>
    /// Compiles and starts the script at <paramref name="path"/> as <paramref name="name"/>
    /// (default: the file name), replacing a running query of that name. Without
    /// <paramref name="start"/> the query resumes from its checkpoint (a version whose state
    /// has another shape then fails, saying so); with it, the query's state is dropped and it
    /// starts at that position.
    /// </summary>
    /// <exception cref="QueryCompilationException">The script does not compile; nothing changed.</exception>
    public async Task<QueryStatus> DeployAsync(string path, string? name = null, StartPosition? start = null)
    {
        var script = QueryScript.Load(path, cacheDirectory); // before stopping anything: a broken version replaces nothing
        name ??= script.Name;
        await StopAsync(name).ConfigureAwait(false);
        var runOptions = options with { Version = script.SourceHash };
        if (start is not null)
        {
            if (options.StateDirectory is { } stateDirectory && Directory.Exists(Path.Combine(stateDirectory, name)))
            {
                Directory.Delete(Path.Combine(stateDirectory, name), recursive: true);
            }
            runOptions = start.ApplyTo(runOptions);
        }
        var deployment = new Deployment(name, script);
        lock (_lock)
        {
            _queries[name] = deployment;
        }
        deployment.Start(log, runOptions);
        catalog?.Put(name, script.Path);
        return deployment.Status;
    }

    /// <summary>Deploys every query of the catalog (after a restart); those that fail to compile are reported and stay in the catalog.</summary>
    public async Task<IReadOnlyList<(string Name, Exception? Error)>> RedeployCatalogAsync()
    {
        var results = new List<(string, Exception?)>();
        foreach (var entry in catalog?.Load() ?? [])
        {
            try
            {
                await DeployAsync(entry.Path, entry.Name).ConfigureAwait(false);
                results.Add((entry.Name, null));
            }
            catch (Exception e) when (e is QueryCompilationException or FileNotFoundException)
            {
                results.Add((entry.Name, e));
            }
        }
        return results;
    }

    /// <summary>Stops <paramref name="name"/> for good: as <see cref="StopAsync"/>, and it leaves the catalog.</summary>
    public async Task<bool> RemoveAsync(string name)
    {
        catalog?.Remove(name);
        return await StopAsync(name).ConfigureAwait(false);
    }

    /// <summary>Stops <paramref name="name"/> (its tasks checkpoint) and unloads its code; false when it is not running.</summary>
    public async Task<bool> StopAsync(string name)
    {
        Deployment? deployment;
        lock (_lock)
        {
            _queries.TryGetValue(name, out deployment);
        }
        return deployment is not null && await deployment.StopAsync().ConfigureAwait(false);
    }

    /// <summary>Stops every query (each checkpoints).</summary>
    public async ValueTask DisposeAsync()
    {
        List<Deployment> all;
        lock (_lock)
        {
            all = [.. _queries.Values];
        }
        await Task.WhenAll(all.Select(d => d.StopAsync())).ConfigureAwait(false);
    }

    /// <summary>One run of one script. Owned by the manager; status reads and writes under its own lock.</summary>
    private sealed class Deployment(string name, QueryScript script)
    {
        private readonly CancellationTokenSource _stop = new();
        private Task _run = Task.CompletedTask;
        private int _unloaded;
        private volatile QueryStatus _status = new(name, script.Path, "running", null, DateTimeOffset.UtcNow);

        public QueryStatus Status => _status;

        public void Start(ITopicLog log, QueryOptions options) =>
            _run = Task.Run(async () =>
            {
                try
                {
                    await QueryRunner.RunAsync(name, script.Define, log, options, _stop.Token).ConfigureAwait(false);
                    _status = _status with { State = "completed", Since = DateTimeOffset.UtcNow };
                }
                catch (OperationCanceledException) when (_stop.IsCancellationRequested)
                {
                    _status = _status with { State = "stopped", Since = DateTimeOffset.UtcNow };
                }
                catch (Exception e)
                {
                    _status = _status with { State = "failed", Error = e.Message, Since = DateTimeOffset.UtcNow };
                }
            });

        public async Task<bool> StopAsync()
        {
            bool wasRunning = _status.State == "running";
            await _stop.CancelAsync().ConfigureAwait(false);
            await _run.ConfigureAwait(false);
            if (Interlocked.Exchange(ref _unloaded, 1) == 0)
            {
                script.Dispose();
            }
            return wasRunning;
        }
    }
}
