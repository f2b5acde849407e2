using System.Text;
using Cep.Broker.Cluster;
using Cep.Broker.Groups;
using Cep.Engine.Runtime;
using Cep.Query;
using Cep.Storage;
using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Cep.Cli.Commands;

/// <summary>
/// The daemon's admin API over HTTP (Kestrel), JSON in and out; a refusal is a 4xx with
/// <c>{"error": "…"}</c> naming the problem (404 for an unknown topic or query):
/// <code>
///   GET    /health                                  "ok"
///   GET    /metrics                                 Prometheus text: records, lag, watermark delay, checkpoints, patterns
///   GET    /queries | /queries/{name}               query status(es): running, completed, failed (with the error), stopped
///   POST   /queries   {"path", "name"?, "from"?, "replace"?}   deploy (400 with the compiler's errors, 409 when
///                                                   the name is another script's query and replace is not
///                                                   true); from = beginning | latest | offset:N | time:ISO
///                                                   drops the query's state
///   DELETE /queries/{name}                          stop (the catalog keeps it stopped across restarts)
///   GET    /groups | /groups/{group}                each running query as a consumer group (kind "query": per
///                                                   input partition the task, its position, end offset, lag and
///                                                   watermark) and each Kafka client group (kind "kafka": its
///                                                   committed offsets, end offsets and lag)
///   GET    /topics                                  topics with their partitions' offsets
///   POST   /topics    {"name", "partitions"?, "replicationFactor"?, "config"?}   create
///   GET    /topics/{topic}                          describe: partitions (offsets, sizes, segments) and config
///   PATCH  /topics/{topic}  {"partitions"?, "config"?}   grow, change config
///   DELETE /topics/{topic}                          delete
///   POST   /topics/{topic}/records?keySeparator=&amp;partition=&amp;firstLine=   body: one record per line
///                                                   → {"appended", "error"?}: lines before a bad one are kept
///   GET    /topics/{topic}/records?partition=&amp;offset=&amp;max=&amp;waitMs=   records as JSON (UTF-8 text),
///                                                   waiting up to waitMs for the first when there is none yet
///   GET    /topics/{topic}/offsets?partition=&amp;time=   the first offset at or after a time (epoch ms)
/// </code>
/// </summary>
internal static class AdminApi
{
    /// <summary>The API; <paramref name="store"/> is null on a daemon that joined another: its topics are the other's, served there.</summary>
    /// <param name="cluster">The cluster node this daemon is, if any; <paramref name="clusterLog"/> then reaches each partition's leader.</param>
    public static WebApplication Build(string address, TopicStore? store, QueryManager manager, PrometheusText metrics, GroupCoordinator? groups, ClusterNode? cluster = null, ITopicLog? clusterLog = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(address);
        var app = builder.Build();
        app.MapGet("/health", () => "ok");
        app.MapGet("/cluster", () => cluster is null
            ? Results.Conflict(new { error = "this daemon is not a cluster node (start it with --node-id and --controllers)" })
            : Results.Json(ClusterView.Of(cluster), System.Text.Json.JsonSerializerOptions.Web));
        app.MapGet("/metrics", () => Results.Text(metrics.Render(), "text/plain; version=0.0.4"));
        MapQueries(app, manager);
        if (store is null)
        {
            MapGroups(app, null, null);
            app.Map("/topics/{**rest}", () => Results.Conflict(new { error = "this daemon joined another (--join): its topics and records are served by the daemon it joined; use --server with that daemon's admin API" }));
            return app;
        }
        MapGroups(app, store, groups);
        MapTopics(app, store, cluster is null ? null : new ClusterTopicAdmin(cluster));
        MapRecords(app, store, clusterLog);
        return app;
    }

    private static void MapQueries(WebApplication app, QueryManager manager)
    {
        app.MapGet("/queries", () => Results.Json(manager.List()));
        app.MapGet("/queries/{name}", (string name) => manager.Get(name) is { } status ? Results.Json(status) : NotFound($"no query '{name}'"));
        app.MapPost("/queries", async (DeployRequest request) =>
        {
            try
            {
                return Results.Json(await manager.DeployAsync(request.Path, request.Name, request.From is { } from ? StartPosition.Parse(from) : null, request.Replace ?? false));
            }
            catch (QueryExistsException e)
            {
                return Results.Conflict(new { error = e.Message });
            }
            catch (Exception e) when (e is QueryCompilationException or FileNotFoundException or FormatException)
            {
                return BadRequest(e.Message);
            }
        });
        app.MapDelete("/queries/{name}", async (string name) =>
            await manager.StopByUserAsync(name) ? Results.Json(manager.Get(name)) : NotFound($"no query '{name}'"));
    }

    private static void MapGroups(WebApplication app, TopicStore? store, GroupCoordinator? groups)
    {
        static GroupView Group(string group, string kind, int members, IReadOnlyList<InputProgress> partitions) => new(
            group,
            kind,
            members,
            partitions.Sum(p => p.Lag),
            partitions.Select(p => new GroupView.PartitionView(p.Topic, p.Partition, p.Task, p.Position, p.EndOffset, p.Lag, p.Watermark)).ToList());
        // A Kafka client group's positions are its committed offsets (−1: none yet counts from the start).
        IEnumerable<GroupView> ClientGroups()
        {
            if (store is null || groups is null)
            {
                return [];
            }
            var topics = store.ListTopics().ToHashSet(StringComparer.Ordinal); // once per answer, not per committed offset
            return groups.List().Where(g => g.ProtocolType != CoordinatorMembership.ProtocolType).Select(g => ClientGroup(store, g.GroupId, topics));
        }
        GroupView ClientGroup(TopicStore store, string group, HashSet<string> topics)
        {
            var committed = groups!.Committed(group)
                .Where(c => topics.Contains(c.Key.Topic) && c.Key.Partition < store.PartitionCount(c.Key.Topic))
                .Select(c => new InputProgress(group, -1, c.Key.Topic, c.Key.Partition, c.Offset.Offset, store.GetPartition(c.Key.Topic, c.Key.Partition).HighWatermark, null))
                .OrderBy(p => p.Topic, StringComparer.Ordinal).ThenBy(p => p.Partition).ToList();
            return Group(group, "kafka", groups.Describe(group).Members.Count, committed);
        }
        IEnumerable<GroupView> QueryGroups() => RuntimeProgress.Inputs().GroupBy(p => p.Query)
            .Select(g => Group(g.Key, "query", g.Select(p => p.Task).Distinct().Count(), g.ToList()));
        app.MapGet("/groups", () => Results.Json(QueryGroups().Concat(ClientGroups())));
        app.MapGet("/groups/{group}", (string group) =>
            QueryGroups().Concat(ClientGroups()).FirstOrDefault(g => g.Group == group) is { } found ? Results.Json(found) : NotFound($"no group '{group}'"));
    }

    /// <param name="cluster">On a cluster node, where topic changes go (the controller); null: the store itself.</param>
    private static void MapTopics(WebApplication app, TopicStore store, ClusterTopicAdmin? cluster)
    {
        TopicView View(string topic) => cluster is null ? TopicView.Of(store.Describe(topic)) : cluster.View(store.Describe(topic));
        app.MapGet("/topics", () => Results.Json(store.ListTopics().Where(t => cluster?.Knows(t) ?? true).Order(StringComparer.Ordinal).Select(View)));
        app.MapPost("/topics", async (CreateTopicRequest request) => cluster is null
            ? Guard(() => TopicView.Of(store.CreateTopic(request.Name, request.Partitions ?? 1, request.ReplicationFactor ?? 1, request.Config ?? [])))
            : await GuardAsync(async () =>
            {
                await cluster.CreateAsync(request.Name, request.Partitions ?? -1, request.ReplicationFactor ?? -1, request.Config ?? []);
                return View(request.Name);
            }));
        app.MapGet("/topics/{topic}", (string topic) => Guard(() => View(topic)));
        app.MapPatch("/topics/{topic}", async (string topic, AlterTopicRequest request) => cluster is not null
            ? await GuardAsync(async () =>
            {
                if (request.Config is { Count: > 0 } changes)
                {
                    await cluster.AlterConfigAsync(topic, changes);
                }
                if (request.Partitions is int grown)
                {
                    await cluster.AddPartitionsAsync(topic, grown);
                }
                return View(topic);
            })
            : Guard(() =>
        {
            if (request.Config is { Count: > 0 } settings)
            {
                store.AlterConfig(topic, settings);
            }
            if (request.Partitions is int count)
            {
                store.AddPartitions(topic, count);
            }
            return TopicView.Of(store.Describe(topic));
        }));
        app.MapDelete("/topics/{topic}", async (string topic) => cluster is not null
            ? await GuardAsync(async () =>
            {
                await cluster.DeleteAsync(topic);
                return new { deleted = topic };
            })
            : Guard(() =>
            {
                store.DeleteTopic(topic);
                return new { deleted = topic };
            }));
        app.MapGet("/topics/{topic}/offsets", (string topic, int? partition, long time) => Guard(() =>
        {
            var log = store.GetPartition(topic, partition ?? 0);
            return new { offset = log.OffsetForTimestamp(time) ?? log.HighWatermark };
        }));
    }

    /// <param name="clusterLog">On a cluster node, where produced records go (each partition's leader); null: the store itself.</param>
    private static void MapRecords(WebApplication app, TopicStore store, ITopicLog? clusterLog)
    {
        app.MapPost("/topics/{topic}/records", async (string topic, HttpRequest request, string? keySeparator, int? partition, long? firstLine) =>
        {
            ProduceCommand.Producer producer;
            try
            {
                producer = ProduceCommand.Producer.Open(store, topic, keySeparator, partition, clusterLog);
            }
            catch (StorageException e)
            {
                return Refusal(e);
            }
            long lineNumber = (firstLine ?? 1) - 1;
            using var reader = new StreamReader(request.Body, Encoding.UTF8);
            string? error = null;
            try
            {
                while (await reader.ReadLineAsync() is { } line)
                {
                    await producer.AddAsync(line, ++lineNumber);
                }
            }
            catch (Exception e) when (e is StorageException or FormatException)
            {
                error = e.Message;
            }
            // The lines before a bad one were accepted: they are appended either way.
            await producer.CompleteAsync();
            return Results.Json(new { appended = producer.Acknowledged, error });
        });
        app.MapGet("/topics/{topic}/records", async (string topic, int? partition, long? offset, int? max, int? waitMs, CancellationToken ct) =>
        {
            PartitionLog log;
            try
            {
                log = store.GetPartition(topic, partition ?? 0);
            }
            catch (StorageException e)
            {
                return Refusal(e);
            }
            long from = offset ?? log.LogStartOffset;
            if (from >= log.HighWatermark && waitMs is > 0)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
                wait.CancelAfter(waitMs.Value);
                try
                {
                    await log.WaitForDataAsync(from, wait.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    // Nothing came: an empty answer, the client asks again.
                }
            }
            return Results.Json(ReadRecords(log, from, max ?? 100));
        });
    }

    private static List<object> ReadRecords(PartitionLog log, long offset, int max)
    {
        var records = new List<object>();
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
                            partition = log.Partition,
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

    private static IResult Guard(Func<object> action)
    {
        try
        {
            return Results.Json(action());
        }
        catch (StorageException e)
        {
            return Refusal(e);
        }
    }

    private static async Task<IResult> GuardAsync(Func<Task<object>> action)
    {
        try
        {
            return Results.Json(await action());
        }
        catch (StorageException e)
        {
            return Refusal(e);
        }
        catch (Exception e) when (e is ControllerException or IOException or OperationCanceledException)
        {
            return Results.Json(new { error = $"the cluster's controller did not take it: {e.Message}" }, statusCode: 503);
        }
    }

    private static IResult Refusal(StorageException e) => e is UnknownTopicException ? NotFound(e.Message) : BadRequest(e.Message);

    private static IResult NotFound(string error) => Results.NotFound(new { error });

    private static IResult BadRequest(string error) => Results.BadRequest(new { error });

    /// <summary>A deployment: the script, optionally another name, optionally a start position (beginning, latest, offset:N, time:ISO) that drops the query's state, and whether it may replace a query of that name from another script.</summary>
    private sealed record DeployRequest(string Path, string? Name, string? From, bool? Replace);

    private sealed record CreateTopicRequest(string Name, int? Partitions, int? ReplicationFactor, Dictionary<string, string>? Config);

    private sealed record AlterTopicRequest(int? Partitions, Dictionary<string, string>? Config);
}
