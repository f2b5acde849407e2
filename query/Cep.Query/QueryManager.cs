using Cep.Engine.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Cep.Query;

/// <summary>
/// The queries a daemon runs: each deployed script compiles (or comes from the compile cache),
/// runs as one task per input partition with checkpointed state, and is tracked by name.
/// Deploying a name that runs from the same script replaces it (another script only when asked
/// to: the old one is stopped — checkpointing — and unloaded first; the new one resumes from that checkpoint when its state has the same
/// shape). A query that fails stops alone: the others go on, and its status says why.
/// Stopping cancels the query's tasks, which checkpoint before they end. With a catalog, a
/// deployment is recorded as deployed and a stop by the user as stopped (stopping the daemon
/// changes nothing), so <see cref="RedeployCatalogAsync"/> brings the same queries back after a
/// restart; <see cref="RemoveAsync"/> forgets a query. Scripts read their settings
/// (<paramref name="settings"/>, a section per query name) through <c>Config</c>. With a
/// <paramref name="membership"/>, an unbounded query runs as a member of its consumer group
/// (<see cref="QueryMember"/>): its tasks are shared with the group's other members. Thread-safe.
/// </summary>
public sealed class QueryManager(ITopicLog log, QueryOptions options, string cacheDirectory, QueryCatalog? catalog = null, IConfiguration? settings = null, IGroupMembership? membership = null) : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Deployment> _queries = new(StringComparer.Ordinal);

    /// <summary>Every query deployed since start, and those the catalog keeps stopped, by name.</summary>
    public IReadOnlyList<QueryStatus> List()
    {
        var stopped = (catalog?.Load() ?? []).Where(e => e.State == QueryCatalog.Stopped).Select(CatalogStatus);
        lock (_lock)
        {
            return _queries.Values.Select(d => d.Status)
                .Concat(stopped.Where(s => !_queries.ContainsKey(s.Name)))
                .OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        }
    }

    public QueryStatus? Get(string name)
    {
        lock (_lock)
        {
            if (_queries.TryGetValue(name, out var deployment))
            {
                return deployment.Status;
            }
        }
        return catalog?.Get(name) is { } entry ? CatalogStatus(entry) : null;
    }

    /// <summary>A catalog entry as a status: what a query not run by this process looks like.</summary>
    public static QueryStatus CatalogStatus(QueryCatalog.Entry entry) => new(entry.Name, entry.Path, entry.Version, entry.State, null, entry.Since);

    /// <summary>
    /// Compiles and starts the script at <paramref name="path"/> as <paramref name="name"/>
    /// (default: the file name), replacing a running query of that name. Without
    /// <paramref name="start"/> the query resumes from its checkpoint (a version whose state
    /// has another shape then fails, saying so); with it, the query's state is dropped and it
    /// starts at that position.
    /// </summary>
    /// <exception cref="QueryCompilationException">The script does not compile; nothing changed.</exception>
    /// <exception cref="QueryExistsException">A query of that name runs (or is in the catalog) from another script, and <paramref name="replace"/> is false; nothing changed.</exception>
    public async Task<QueryStatus> DeployAsync(string path, string? name = null, StartPosition? start = null, bool replace = false)
    {
        var script = QueryScript.Load(path, cacheDirectory); // before stopping anything: a broken version replaces nothing
        script.Settings = settings;
        name ??= script.Name;
        if (!replace && Get(name) is { } existing && existing.Path != script.Path)
        {
            script.Dispose();
            throw new QueryExistsException(name, existing.Path, script.Path);
        }
        await StopAsync(name).ConfigureAwait(false);
        var runOptions = options with { Version = script.SourceHash };
        if (start is not null)
        {
            runOptions = start.StartOver(name, runOptions);
            if (runOptions.Changelog)
            {
                await QueryRunner.ResetChangelogAsync(log, name).ConfigureAwait(false); // its state elsewhere goes too
            }
        }
        var deployment = new Deployment(name, script);
        lock (_lock)
        {
            _queries[name] = deployment;
        }
        deployment.Start(log, runOptions, runOptions.StopAtEnd ? null : membership);
        catalog?.Put(new QueryCatalog.Entry(name, script.Path, script.SourceHash, QueryCatalog.Deployed, null, deployment.Status.Since));
        return deployment.Status;
    }

    /// <summary>
    /// Deploys every deployed query of the catalog (after a restart), each from its checkpoint or
    /// from its pending start position; those that fail to compile are reported and stay in the catalog.
    /// </summary>
    public async Task<IReadOnlyList<(string Name, Exception? Error)>> RedeployCatalogAsync()
    {
        var results = new List<(string, Exception?)>();
        foreach (var entry in (catalog?.Load() ?? []).Where(e => e.State == QueryCatalog.Deployed))
        {
            try
            {
                await DeployAsync(entry.Path, entry.Name, entry.From is { } from ? StartPosition.Parse(from) : null).ConfigureAwait(false);
                results.Add((entry.Name, null));
            }
            catch (Exception e) when (e is QueryCompilationException or FileNotFoundException or FormatException)
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

    /// <summary>The user's stop: as <see cref="StopAsync"/>, and the catalog keeps the query stopped across restarts.</summary>
    public async Task<bool> StopByUserAsync(string name)
    {
        bool known = catalog?.MarkStopped(name) ?? false;
        return await StopAsync(name).ConfigureAwait(false) || known;
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
        private volatile QueryStatus _status = new(name, script.Path, script.SourceHash, "running", null, DateTimeOffset.UtcNow);

        private QueryMember? _member;

        /// <summary>The status, with the tasks this process runs and the rebalances it saw (group members).</summary>
        public QueryStatus Status => _status.State != "running" ? _status
            : _member is { } member ? _status with { Tasks = member.Worker.Running, Rebalances = member.Rebalances, Lag = Lag() }
            : _status with { Lag = Lag() };

        private long Lag() => RuntimeProgress.Inputs().Where(p => p.Query == name).Sum(p => p.Lag);

        public void Start(ITopicLog log, QueryOptions options, IGroupMembership? membership) =>
            _run = Task.Run(async () =>
            {
                try
                {
                    if (membership is null)
                    {
                        await QueryRunner.RunAsync(name, script.Define, log, options, _stop.Token).ConfigureAwait(false);
                    }
                    else
                    {
                        _member = new QueryMember(new QueryWorker(name, script.Define, log, options), name, membership, options.LoggerFactory.CreateLogger("Cep.Query.Group"));
                        await _member.RunAsync(_stop.Token).ConfigureAwait(false);
                    }
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
