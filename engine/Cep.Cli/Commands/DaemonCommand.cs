using System.CommandLine;
using System.Text;
using Cep.Engine.Runtime;
using Cep.Query;
using Cep.Storage.Records;
using Cep.Storage.Topics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep daemon</c>: the engine as a service on the embedded log. Deploys every <c>.csx</c> in
/// <c>--queries</c> and watches the folder (a new or changed script is deployed, replacing the
/// running version; a deleted one is stopped); serves the admin API over HTTP (Kestrel) on
/// <c>--http</c>; on Ctrl+C/SIGTERM stops every query — each task checkpoints — and exits 0.
/// Deployed queries are recorded in <c>&lt;data&gt;/catalog.json</c> and keep their state under
/// <c>&lt;data&gt;/state</c>, so a restarted daemon redeploys them and each resumes from its checkpoint.
/// <code>
///   GET    /health                          "ok"
///   GET    /queries                         every deployed query's status
///   GET    /queries/{name}                  one query's status (404 when unknown)
///   POST   /queries   {"path", "name"?, "from"?}  deploy (400 with the compiler's errors); from =
///                                           beginning | latest | offset:N | time:ISO drops the state
///   DELETE /queries/{name}                  stop
///   GET    /topics                          topics with partition counts and end offsets
///   GET    /topics/{topic}/records?partition=&amp;offset=&amp;max=   records as JSON
///   GET    /metrics                         Prometheus text: records, checkpoints, pattern state…
/// </code>
/// </summary>
internal static class DaemonCommand
{
    public static Command Create()
    {
        var queries = new Option<string?>("--queries") { Description = "Folder of query scripts (*.csx) to deploy and watch" };
        var http = new Option<string>("--http") { Description = "Address of the admin API", DefaultValueFactory = _ => "http://127.0.0.1:8420" };
        var print = new Option<bool>("--print") { Description = "Print every record the queries write (topic TAB [key TAB] value)" };
        var exit = new Option<bool>("--exit-when-caught-up") { Description = "Run the queries to the end their inputs have at start, then stop (demos, tests)" };
        var command = new Command("daemon", "Run the engine: deploy and watch query scripts, serve the admin API") { queries, http, print, exit };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async store =>
        {
            string data = parse.GetValue(CliContext.DataOption)!;
            using var metrics = new PrometheusText(); // listening before any query runs
            using var logging = QueryHost.CreateLogging();
            var logger = logging.CreateLogger("Cep.Daemon");
            var options = new QueryOptions
            {
                StopAtEnd = parse.GetValue(exit),
                StateDirectory = Path.Combine(data, "state"),
                CreateMissingOutputs = true,
                LoggerFactory = logging,
            };
            ITopicLog log = parse.GetValue(print) ? new PrintingTopicLog(new EmbeddedTopicLog(store), Console.Out) : new EmbeddedTopicLog(store);
            await using var manager = new QueryManager(log, options, Path.Combine(data, "query-cache"), new QueryCatalog(Path.Combine(data, "catalog.json")));
            foreach (var (name, error) in await manager.RedeployCatalogAsync())
            {
                if (error is null)
                {
                    logger.LogInformation("Redeployed {Query} from the catalog", name);
                }
                else
                {
                    logger.LogError("Not redeployed {Query}: {Message}", name, error.Message);
                }
            }
            using var watcher = parse.GetValue(queries) is { } folder ? await WatchAsync(folder, manager, logger) : null;
            var app = BuildApi(parse.GetValue(http)!, store, manager, metrics);
            using var cts = CliContext.CancelOnSignal(ct);
            await app.StartAsync(cts.Token);
            logger.LogInformation("Admin API on {Address}; data in {Data}", parse.GetValue(http), data);
            try
            {
                if (parse.GetValue(exit))
                {
                    while (manager.List().Any(q => q.State == "running"))
                    {
                        await Task.Delay(100, cts.Token);
                    }
                    logger.LogInformation("Every query caught up: {Queries}", string.Join(", ", manager.List().Select(q => $"{q.Name} {q.State}")));
                }
                else
                {
                    await Task.Delay(Timeout.Infinite, cts.Token);
                }
            }
            catch (OperationCanceledException)
            {
                logger.LogInformation("Stopping: every query checkpoints");
            }
            await app.StopAsync(CancellationToken.None);
            return 0;
        }));
        return command;
    }

    private static async Task<FileSystemWatcher> WatchAsync(string folder, QueryManager manager, ILogger logger)
    {
        Directory.CreateDirectory(folder);
        foreach (string script in Directory.GetFiles(folder, "*.csx"))
        {
            // The catalog already redeployed what ran before, from this same file as it is now.
            string full = Path.GetFullPath(script);
            if (manager.Get(Path.GetFileNameWithoutExtension(script)) is not { State: "running" } running || running.Path != full)
            {
                await DeployAsync(manager, script, logger);
            }
        }
        var watcher = new FileSystemWatcher(folder, "*.csx") { NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite };
        // Editors write a file in several steps: deploy once it has been quiet for a moment.
        var pending = new Dictionary<string, CancellationTokenSource>(StringComparer.Ordinal);
        void Changed(string path, bool deleted)
        {
            CancellationTokenSource debounce;
            lock (pending)
            {
                if (pending.Remove(path, out var previous))
                {
                    previous.Cancel();
                }
                debounce = pending[path] = new CancellationTokenSource();
            }
            _ = Task.Delay(300, debounce.Token).ContinueWith(
                async _ => await (deleted ? StopAsync(manager, path, logger) : DeployAsync(manager, path, logger)),
                debounce.Token,
                TaskContinuationOptions.OnlyOnRanToCompletion,
                TaskScheduler.Default);
        }
        watcher.Created += (_, e) => Changed(e.FullPath, deleted: false);
        watcher.Changed += (_, e) => Changed(e.FullPath, deleted: false);
        watcher.Deleted += (_, e) => Changed(e.FullPath, deleted: true);
        watcher.Renamed += (_, e) =>
        {
            Changed(e.OldFullPath, deleted: true);
            Changed(e.FullPath, deleted: false);
        };
        watcher.EnableRaisingEvents = true;
        return watcher;
    }

    private static async Task DeployAsync(QueryManager manager, string path, ILogger logger)
    {
        try
        {
            var status = await manager.DeployAsync(path);
            logger.LogInformation("Deployed {Query} from {Path}", status.Name, path);
        }
        catch (QueryCompilationException e)
        {
            logger.LogError("Not deployed: {Message}", e.Message);
        }
    }

    private static async Task StopAsync(QueryManager manager, string path, ILogger logger)
    {
        string name = Path.GetFileNameWithoutExtension(path);
        if (await manager.RemoveAsync(name))
        {
            logger.LogInformation("Stopped {Query}: {Path} was removed", name, path);
        }
    }

    private static WebApplication BuildApi(string address, TopicStore store, QueryManager manager, PrometheusText metrics)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(address);
        var app = builder.Build();
        app.MapGet("/health", () => "ok");
        app.MapGet("/metrics", () => Results.Text(metrics.Render(), "text/plain; version=0.0.4"));
        app.MapGet("/queries", () => Results.Json(manager.List()));
        app.MapGet("/queries/{name}", (string name) => manager.Get(name) is { } status ? Results.Json(status) : Results.NotFound(new { error = $"no query '{name}'" }));
        app.MapPost("/queries", async (DeployRequest request) =>
        {
            try
            {
                return Results.Json(await manager.DeployAsync(request.Path, request.Name, request.From is { } from ? StartPosition.Parse(from) : null));
            }
            catch (Exception e) when (e is QueryCompilationException or FileNotFoundException or FormatException)
            {
                return Results.BadRequest(new { error = e.Message });
            }
        });
        app.MapDelete("/queries/{name}", async (string name) =>
            await manager.RemoveAsync(name) ? Results.Json(manager.Get(name)) : Results.NotFound(new { error = $"no running query '{name}'" }));
        app.MapGet("/topics", () => Results.Json(store.ListTopics().Order(StringComparer.Ordinal).Select(topic => new
        {
            name = topic,
            partitions = Enumerable.Range(0, store.PartitionCount(topic)).Select(p => new { partition = p, endOffset = store.GetPartition(topic, p).HighWatermark }),
        })));
        app.MapGet("/topics/{topic}/records", (string topic, int? partition, long? offset, int? max) =>
        {
            if (!store.ListTopics().Contains(topic))
            {
                return Results.NotFound(new { error = $"no topic '{topic}'" });
            }
            return Results.Json(ReadRecords(store, topic, partition ?? 0, offset ?? 0, max ?? 100));
        });
        return app;
    }

    private static List<object> ReadRecords(TopicStore store, string topic, int partition, long offset, int max)
    {
        var records = new List<object>();
        var log = store.GetPartition(topic, partition);
        while (records.Count < max && offset < log.HighWatermark)
        {
            long next = offset;
            foreach (var batch in RecordBatch.ReadAll(log.Read(offset, 1 << 20).Records))
            {
                foreach (var record in batch)
                {
                    if (record.Offset >= offset && records.Count < max)
                    {
                        records.Add(new
                        {
                            offset = record.Offset,
                            timestamp = record.Timestamp,
                            key = record.Key is { } k ? Encoding.UTF8.GetString(k.Span) : null,
                            value = record.Value is { } v ? Encoding.UTF8.GetString(v.Span) : null,
                        });
                    }
                }
                next = batch.LastOffset + 1;
            }
            if (next == offset)
            {
                break;
            }
            offset = next;
        }
        return records;
    }

    /// <summary>A deployment: the script, optionally another name, optionally a start position (beginning, latest, offset:N, time:ISO) that drops the query's state.</summary>
    private sealed record DeployRequest(string Path, string? Name, string? From);
}
