using System.CommandLine;
using Cep.Connectors.Kafka;
using Cep.Engine.Runtime;
using Cep.Query;
using Cep.Storage.Topics;
using Microsoft.Extensions.Logging;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep run FILE.csx</c>: runs one query script on the embedded log without a daemon, one
/// task per input partition, until Ctrl+C/SIGTERM (each task checkpoints, then it exits) or,
/// with <c>--exit-when-caught-up</c>, until every input is read to the end it had at start and
/// the windows have closed. State and checkpoints live under <c>--state</c> (default
/// <c>&lt;data&gt;/state</c>): a second run of the same query resumes from its last checkpoint,
/// and its outputs are written exactly once; a start position (<c>--from-beginning</c>,
/// <c>--from-offset</c>, <c>--from-time</c>, <c>--from-latest</c>) drops that state first. Every record the query writes is printed as
/// <c>topic TAB [key TAB] value</c> (unless <c>--quiet</c>); <c>--input TOPIC=FILE</c> first
/// appends each line of FILE to TOPIC (created with one partition if missing), the quickest
/// way to try a query on sample data. Output topics that do not exist are created. With
/// <c>--bootstrap-servers</c> the query reads and writes a Kafka cluster through the Kafka
/// protocol instead (<see cref="Cep.Connectors.Kafka.ProtocolTopicLog"/>: its outputs still
/// exactly once) and, unless it exits when caught up, runs as the consumer group named after
/// the query there: every <c>cep run</c> (or daemon) of the same query on that cluster shares
/// its tasks, whose state moves between them through the query's changelog topic.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The query script (.csx)" };
        var state = new Option<string?>("--state") { Description = "State directory (default: <data>/state)" };
        var exit = new Option<bool>("--exit-when-caught-up") { Description = "Stop once every input is read to its current end and the windows have flushed" };
        var interval = new Option<double>("--checkpoint-interval") { Description = "Seconds between checkpoints (default: $CEP_CHECKPOINT_INTERVAL, cep.json, else 10)", DefaultValueFactory = CliContext.Configured("checkpoint-interval", 10.0) };
        var inputs = new Option<string[]>("--input") { Description = "TOPIC=FILE: append each line of FILE to TOPIC first (repeatable)", AllowMultipleArgumentsPerToken = false };
        var quiet = new Option<bool>("--quiet") { Description = "Do not print the records the query writes" };
        var bootstrap = new Option<string?>("--bootstrap-servers") { Description = "Run against a Kafka cluster (Cep's broker or Apache Kafka) at HOST:PORT instead of the data directory's log, as the query's consumer group there (shared with every other run of it)" };
        var command = new Command("run", "Run a query script until stopped (or until caught up)")
        {
            file, QueryHost.NameOption, state, exit, interval, inputs, quiet, QueryHost.SetOption, QueryHost.WorkersOption, bootstrap,
        };
        var start = new StartOptions(command);
        command.Validators.Add(result =>
        {
            foreach (string input in result.GetValue(inputs) ?? [])
            {
                if (input.IndexOf('=') is <= 0 || input.EndsWith('='))
                {
                    result.AddError($"--input {input}: expected TOPIC=FILE");
                }
            }
            if (result.GetValue(bootstrap) is { } servers && DaemonCommand.HostPort(servers) is null)
            {
                result.AddError($"--bootstrap-servers {servers}: expected HOST:PORT");
            }
            if (result.GetValue(bootstrap) is not null && (result.GetValue(inputs) ?? []).Length > 0)
            {
                result.AddError("--input appends to the data directory's log; with --bootstrap-servers produce to the cluster instead");
            }
            foreach (string setting in result.GetValue(QueryHost.SetOption) ?? [])
            {
                if (setting.IndexOf('=') is <= 0)
                {
                    result.AddError($"--set {setting}: expected KEY=VALUE");
                }
            }
        });
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, store => QueryHost.RunScriptAsync(parse, parse.GetValue(file)!, async (script, logging) =>
        {
            string name = parse.GetValue(QueryHost.NameOption) ?? script.Name;
            using var workers = new WorkerPool(Math.Max(1, parse.GetValue(QueryHost.WorkersOption)));
            var options = new QueryOptions
            {
                Workers = workers,
                StopAtEnd = parse.GetValue(exit),
                CreateMissingOutputs = true,
                Version = script.SourceHash,
                StateDirectory = parse.GetValue(state) ?? Path.Combine(parse.GetValue(CliContext.DataOption)!, "state"),
                CheckpointInterval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                LoggerFactory = logging,
            };
            string? servers = parse.GetValue(bootstrap);
            string client = $"cep-run-{Environment.ProcessId}";
            using var kafka = servers is null ? null : new ProtocolTopicLog(servers, client);
            bool inGroup = kafka is not null && !options.StopAtEnd;
            options = options with { Changelog = inGroup };
            if (start.Text(parse) is { } from)
            {
                options = StartPosition.Parse(from).StartOver(name, options);
                if (inGroup)
                {
                    await QueryRunner.ResetChangelogAsync(kafka!, name);
                }
            }
            foreach (string input in parse.GetValue(inputs) ?? [])
            {
                await AppendLinesAsync(store, input[..input.IndexOf('=')], input[(input.IndexOf('=') + 1)..]);
            }
            using var cts = CliContext.CancelOnSignal(ct);
            ITopicLog source = kafka is null ? QueryHost.Log(store) : kafka;
            ITopicLog log = parse.GetValue(quiet) ? source : new PrintingTopicLog(source, Console.Out);
            if (!inGroup)
            {
                await QueryRunner.RunAsync(name, script.Define, log, options, cts.Token);
                return;
            }
            var (host, port) = DaemonCommand.HostPort(servers!)!.Value;
            await using var membership = new ProtocolMembership(host, port, client);
            var member = new QueryMember(new QueryWorker(name, script.Define, log, options), name, membership, logging.CreateLogger("Cep.Run"));
            await member.RunAsync(cts.Token);
        })));
        return command;
    }

    private static async Task AppendLinesAsync(TopicStore store, string topic, string file)
    {
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"--input {topic}={file}: no such file", file);
        }
        if (!store.ListTopics().Contains(topic))
        {
            store.CreateTopic(topic, 1);
        }
        var producer = ProduceCommand.Producer.Open(store, topic, null, null);
        long lineNumber = 0;
        foreach (string line in File.ReadLines(file))
        {
            if (line.Length > 0)
            {
                await producer.AddAsync(line, ++lineNumber);
            }
        }
        await producer.CompleteAsync();
        await Console.Error.WriteLineAsync($"appended {producer.Acknowledged} records from {file} to {topic}");
    }
}
