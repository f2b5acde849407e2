using System.CommandLine;
using System.Net;
using Cep.Broker;
using Cep.Broker.Cluster;
using Cep.Broker.Groups;
using Cep.Connectors.Kafka;
using Cep.Engine.Runtime;
using Cep.Query;
using Microsoft.Extensions.Logging;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep daemon</c>: the engine as a service on the embedded log. Deploys every <c>.csx</c> in
/// <c>--queries</c> and watches the folder (a new or changed script is deployed, replacing the
/// running version; a deleted one is stopped and forgotten); serves the admin API
/// (<see cref="AdminApi"/>) over HTTP on <c>--http</c>, and publishes that address in
/// <c>&lt;data&gt;/daemon.json</c> so the other verbs on the same data directory work through it;
/// serves Kafka clients (producers, consumers in groups, admin) on <c>--kafka</c> (<see cref="KafkaBroker"/>);
/// on Ctrl+C/SIGTERM stops every query — each task checkpoints — and exits 0. Deployed queries
/// are recorded in <c>&lt;data&gt;/catalog.json</c> and keep their state under <c>&lt;data&gt;/state</c>,
/// so a restarted daemon redeploys them and each resumes from its checkpoint; a query the user
/// stopped stays stopped.
/// </summary>
internal static class DaemonCommand
{
    public static Command Create()
    {
        var queries = new Option<string?>("--queries") { Description = "Folder of query scripts (*.csx) to deploy and watch (default: $CEP_QUERIES, cep.json)", DefaultValueFactory = CliContext.Configured<string?>("queries", null) };
        var http = new Option<string>("--http") { Description = "Address of the admin API (default: $CEP_HTTP, cep.json, else http://127.0.0.1:8420)", DefaultValueFactory = CliContext.Configured("http", "http://127.0.0.1:8420") };
        var kafka = new Option<string>("--kafka") { Description = "Address of the Kafka-protocol listener, HOST:PORT, or off (default: $CEP_KAFKA, cep.json, else 127.0.0.1:9092)", DefaultValueFactory = CliContext.Configured("kafka", "127.0.0.1:9092") };
        var maxConnections = new Option<long>("--kafka-max-connections") { Description = "Kafka client connections served at once (default: $CEP_KAFKA_MAX_CONNECTIONS, cep.json, else 1000)", DefaultValueFactory = CliContext.Configured("kafka-max-connections", 1000L) };
        var maxRequest = new Option<int>("--kafka-max-request-bytes") { Description = "Largest Kafka request accepted; a larger one closes that connection (default: $CEP_KAFKA_MAX_REQUEST_BYTES, cep.json, else 104857600)", DefaultValueFactory = CliContext.Configured("kafka-max-request-bytes", 100 * 1024 * 1024) };
        var interval = new Option<double>("--checkpoint-interval") { Description = "Seconds between checkpoints (default: $CEP_CHECKPOINT_INTERVAL, cep.json, else 10)", DefaultValueFactory = CliContext.Configured("checkpoint-interval", 10.0) };
        var join = new Option<string?>("--join") { Description = "Join the daemon whose Kafka listener is HOST:PORT: run this daemon's queries on its log, in the same consumer groups, sharing their tasks; it serves no Kafka clients itself (default: $CEP_JOIN, cep.json)", DefaultValueFactory = CliContext.Configured<string?>("join", null) };
        var changelog = new Option<bool>("--changelog") { Description = "Write each task's state changes to its query's changelog topic, so a task moves between daemons with its state (default: $CEP_CHANGELOG, cep.json, else true)", DefaultValueFactory = CliContext.Configured("changelog", true) };
        var standbys = new Option<int>("--standby-replicas") { Description = "How many other daemons keep a warm copy of each task's state, following its changelog, so a moving task restores quickly (default: $CEP_STANDBY_REPLICAS, cep.json, else 0)", DefaultValueFactory = CliContext.Configured("standby-replicas", 0) };
        var session = new Option<double>("--session-timeout") { Description = "Seconds without a heartbeat after which the group gives a daemon's tasks to the others (default: $CEP_SESSION_TIMEOUT, cep.json, else 30)", DefaultValueFactory = CliContext.Configured("session-timeout", 30.0) };
        var nodeId = new Option<int>("--node-id") { Description = "This node's id in a cluster (with --controllers) (default: $CEP_NODE_ID, cep.json, else 0)", DefaultValueFactory = CliContext.Configured("node-id", 0) };
        var controllers = new Option<string?>("--controllers") { Description = "Run as a node of a cluster whose controllers (the Raft quorum holding its metadata; each node runs one) are ID@HOST:PORT,..., e.g. 1@127.0.0.1:9093,2@127.0.0.1:9094,3@127.0.0.1:9095 (default: $CEP_CONTROLLERS, cep.json)", DefaultValueFactory = CliContext.Configured<string?>("controllers", null) };
        var replicationFactor = new Option<int>("--replication-factor") { Description = "Replicas of a topic's partitions when its creation does not say, in a cluster (default: $CEP_REPLICATION_FACTOR, cep.json, else 1)", DefaultValueFactory = CliContext.Configured("replication-factor", 1) };
        var brokerSession = new Option<double>("--broker-session-timeout") { Description = "Seconds a cluster node may be silent before the controller fences it and elects new leaders for its partitions (default: $CEP_BROKER_SESSION_TIMEOUT, cep.json, else 6)", DefaultValueFactory = CliContext.Configured("broker-session-timeout", 6.0) };
        var print = new Option<bool>("--print") { Description = "Print every record the queries write (topic TAB [key TAB] value)" };
        var exit = new Option<bool>("--exit-when-caught-up") { Description = "Run the queries to the end their inputs have at start, then stop (demos, tests)" };
        var command = new Command("daemon", "Run the engine: deploy and watch query scripts, serve the admin API") { queries, http, kafka, join, nodeId, controllers, replicationFactor, brokerSession, changelog, standbys, session, maxConnections, maxRequest, interval, QueryHost.WorkersOption, print, exit };
        command.Validators.Add(result =>
        {
            if (result.GetValue(kafka) is { } address && address != "off" && !IPEndPoint.TryParse(address, out _))
            {
                result.AddError($"--kafka {address}: expected HOST:PORT with an IP address (e.g. 127.0.0.1:9092), or off");
            }
            if (result.GetValue(join) is not null && result.GetResult(kafka) is { Implicit: false } && result.GetValue(kafka) != "off")
            {
                result.AddError("--join with --kafka: a daemon that joins another serves no Kafka clients (its log is the other daemon's); connect clients to that one");
            }
            if (result.GetValue(standbys) is < 0 or > 10)
            {
                result.AddError($"--standby-replicas {result.GetValue(standbys)}: expected 0 to 10");
            }
            if (result.GetValue(controllers) is { } quorum)
            {
                try
                {
                    QuorumOptions.ParseVoters(quorum);
                }
                catch (FormatException e)
                {
                    result.AddError($"--controllers: {e.Message}");
                }
                if (result.GetValue(join) is not null || result.GetValue(kafka) == "off")
                {
                    result.AddError("--controllers makes this daemon a cluster node serving Kafka clients: it cannot --join another or run with --kafka off");
                }
            }
            if (result.GetValue(join) is { } joined && HostPort(joined) is null)
            {
                result.AddError($"--join {joined}: expected HOST:PORT (the Kafka listener of the daemon to join, e.g. 127.0.0.1:9092)");
            }
        });
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, async store =>
        {
            // Checked here, not in the validator: a validator sees an absent flag's type default, not its configured default (true).
            if (parse.GetValue(standbys) > 0 && !parse.GetValue(changelog))
            {
                throw new CommandException("--standby-replicas needs the changelog (standbys follow it): drop --changelog false");
            }
            string data = parse.GetValue(CliContext.DataOption)!;
            using var metrics = new PrometheusText(); // listening before any query runs
            using var logging = QueryHost.CreateLogging();
            var logger = logging.CreateLogger("Cep.Daemon");
            using var workers = new WorkerPool(Math.Max(1, parse.GetValue(QueryHost.WorkersOption)));
            var options = new QueryOptions
            {
                Workers = workers,
                StopAtEnd = parse.GetValue(exit),
                StateDirectory = Path.Combine(data, "state"),
                CheckpointInterval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                CreateMissingOutputs = true,
                Changelog = parse.GetValue(changelog),
                StandbyReplicas = parse.GetValue(standbys),
                LoggerFactory = logging,
            };
            string? joined = parse.GetValue(join);
            using var cts = CliContext.CancelOnSignal(ct);
            if (parse.GetValue(controllers) is { } voters && !QuorumOptions.ParseVoters(voters).ContainsKey(parse.GetValue(nodeId)))
            {
                throw new CommandException($"--node-id {parse.GetValue(nodeId)} is not one of --controllers ({string.Join(", ", QuorumOptions.ParseVoters(voters).Keys)}): every node of a cluster is one of its controllers");
            }
            // A cluster node: its quorum seat first, then the broker that serves for it.
            await using var cluster = parse.GetValue(controllers) is { } quorum
                ? await ClusterNode.StartAsync(store, new ClusterOptions
                {
                    NodeId = parse.GetValue(nodeId),
                    Controllers = QuorumOptions.ParseVoters(quorum),
                    Controller = new ControllerOptions { DefaultReplicationFactor = parse.GetValue(replicationFactor), BrokerSessionTimeout = TimeSpan.FromSeconds(parse.GetValue(brokerSession)) },
                }, logging, cts.Token)
                : null;
            // The broker (and its group coordinator) outlives the queries: they leave their groups when they stop.
            string listen = joined is not null ? "off" : parse.GetValue(kafka)!;
            var sessionTimeout = TimeSpan.FromSeconds(parse.GetValue(session));
            await using var broker = listen != "off"
                ? await KafkaBroker.StartAsync(store, new BrokerOptions { Listen = IPEndPoint.Parse(listen), NodeId = parse.GetValue(nodeId), MaxConnections = parse.GetValue(maxConnections), MaxRequestBytes = parse.GetValue(maxRequest) }, logging, cts.Token, cluster)
                : null;
            // A joining daemon works on the other's log, a cluster node on the cluster's (each partition at its leader): its own store holds replicas only.
            string? remoteLog = joined ?? (cluster is not null ? $"{IPEndPoint.Parse(listen).Address}:{broker!.Port}" : null);
            using var remote = remoteLog is null ? null : new ProtocolTopicLog(remoteLog, $"cep-daemon-{Environment.ProcessId}");
            ITopicLog shared = remote ?? (ITopicLog)new EmbeddedTopicLog(store);
            ITopicLog log = parse.GetValue(print) ? new PrintingTopicLog(shared, Console.Out) : shared;
            var catalog = new QueryCatalog(Path.Combine(data, "catalog.json"));
            await using var ownCoordinator = broker is null && joined is null ? new GroupCoordinator(store) : null;
            // Over the protocol when the groups live elsewhere: the daemon joined, or on a cluster whose coordinator may be another node.
            await using var protocolMembership = remoteLog is null ? null : new ProtocolMembership(HostPort(remoteLog)!.Value.Host, HostPort(remoteLog)!.Value.Port, $"cep-daemon-{Environment.ProcessId}") { SessionTimeout = sessionTimeout };
            IGroupMembership membership = protocolMembership ?? (IGroupMembership)new CoordinatorMembership(broker?.Groups ?? ownCoordinator!, $"cep-daemon-{Environment.ProcessId}") { SessionTimeout = sessionTimeout };
            await using var manager = new QueryManager(log, options, Path.Combine(data, "query-cache"), catalog, QueryHost.Settings(parse), membership);
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
            using var watcher = parse.GetValue(queries) is { } folder ? await WatchAsync(folder, manager, catalog, logger) : null;
            string address = parse.GetValue(http)!;
            var app = AdminApi.Build(address, joined is null ? store : null, manager, metrics, broker?.Groups ?? ownCoordinator, cluster, cluster is null ? null : remote);
            await app.StartAsync(cts.Token);
            string? kafkaAddress = broker is null ? null : $"{IPEndPoint.Parse(listen).Address}:{broker.Port}";
            string daemonFile = CliContext.DaemonFile(data);
            await File.WriteAllTextAsync(daemonFile, System.Text.Json.JsonSerializer.Serialize(new { http = address, kafka = kafkaAddress, joined, pid = Environment.ProcessId }), CancellationToken.None);
            logger.LogInformation("Admin API on {Address}; Kafka clients on {Kafka}; data in {Data}", address, kafkaAddress ?? "(off)", data);
            if (joined is not null)
            {
                logger.LogInformation("Joined {Joined}: queries run on its log and share their tasks with its daemon", joined);
            }
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
            File.Delete(daemonFile);
            await app.StopAsync(CancellationToken.None);
            return 0;
        }));
        return command;
    }

    /// <summary>HOST:PORT split at the last colon, or null when it is not that.</summary>
    internal static (string Host, int Port)? HostPort(string address)
    {
        int colon = address.LastIndexOf(':');
        return colon > 0 && int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int port) && port is > 0 and < 65536
            ? (address[..colon], port)
            : null;
    }

    private static async Task<FileSystemWatcher> WatchAsync(string folder, QueryManager manager, QueryCatalog catalog, ILogger logger)
    {
        Directory.CreateDirectory(folder);
        foreach (string script in Directory.GetFiles(folder, "*.csx"))
        {
            // The catalog already redeployed what ran before, from this same file as it is now,
            // and a query the user stopped stays stopped until its file changes or it is deployed.
            string full = Path.GetFullPath(script);
            string name = Path.GetFileNameWithoutExtension(script);
            bool redeployed = manager.Get(name) is { State: "running" } running && running.Path == full;
            bool stopped = catalog.Get(name) is { State: QueryCatalog.Stopped } entry && entry.Path == full;
            if (!redeployed && !stopped)
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
        catch (Exception e) when (e is QueryCompilationException or QueryExistsException)
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
}
