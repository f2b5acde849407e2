using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Cep.Storage.Log;
using Cep.Storage.Topics;
using Spectre.Console;

namespace Cep.Cli.Commands;

/// <summary><c>cep topics create|list|describe|alter|delete</c>.</summary>
internal static class TopicsCommand
{
    public static Command Create()
    {
        var topics = new Command("topics", "Create, list, describe, alter and delete topics");
        topics.Subcommands.Add(CreateCommand());
        topics.Subcommands.Add(ListCommand());
        topics.Subcommands.Add(DescribeCommand());
        topics.Subcommands.Add(AlterCommand());
        topics.Subcommands.Add(DeleteCommand());
        return topics;
    }

    private static Option<string[]> ConfigOption() => new("--config")
    {
        Description = "Topic config as key=value (repeatable): " + string.Join(", ", LogConfig.Keys),
        AllowMultipleArgumentsPerToken = false,
    };

    private static Command CreateCommand()
    {
        var name = new Argument<string>("name") { Description = "Topic name" };
        var partitions = new Option<int>("--partitions") { Description = "Number of partitions", DefaultValueFactory = _ => 1 };
        var replication = new Option<int?>("--replication-factor") { Description = "Replicas per partition (default: 1; on a cluster, the cluster's --replication-factor)" };
        var config = ConfigOption();
        var command = new Command("create", "Create a topic") { name, partitions, replication, config };
        command.SetAction((parse, ct) => RunAsync(
            parse,
            store => TopicView.Of(store.CreateTopic(parse.GetValue(name)!, parse.GetValue(partitions), parse.GetValue(replication) ?? 1, Settings(parse, config))),
            client => client.PostAsync("/topics", new { name = parse.GetValue(name), partitions = parse.GetValue(partitions), replicationFactor = parse.GetValue(replication), config = Settings(parse, config) }, ct),
            topic => Console.WriteLine($"created topic {topic.Name} with {topic.Partitions.Count} partition(s)")));
        return command;
    }

    private static Command ListCommand()
    {
        var command = new Command("list", "List topics, one per line");
        command.SetAction((parse, ct) => CliContext.RunAsync(
            parse,
            store => PrintList(parse, store.ListTopics().Order(StringComparer.Ordinal).Select(t => TopicView.Of(store.Describe(t))).ToList()),
            async client => await PrintList(parse, (await client.GetAsync("/topics", ct)).Deserialize<List<TopicView>>(JsonSerializerOptions.Web)!)));
        return command;
    }

    private static Command DescribeCommand()
    {
        var name = new Argument<string>("name") { Description = "Topic name" };
        var command = new Command("describe", "Show a topic's partitions, offsets, sizes and config") { name };
        command.SetAction((parse, ct) => RunAsync(
            parse,
            store => TopicView.Of(store.Describe(parse.GetValue(name)!)),
            client => client.GetAsync($"/topics/{DaemonClient.Escape(parse.GetValue(name)!)}", ct),
            topic => Print(topic)));
        return command;
    }

    private static Command AlterCommand()
    {
        var name = new Argument<string>("name") { Description = "Topic name" };
        var partitions = new Option<int?>("--partitions") { Description = "Grow the topic to this many partitions" };
        var config = ConfigOption();
        var command = new Command("alter", "Change a topic's config or add partitions") { name, partitions, config };
        command.SetAction((parse, ct) => RunAsync(
            parse,
            store =>
            {
                string topic = parse.GetValue(name)!;
                if (Settings(parse, config) is { Count: > 0 } settings)
                {
                    store.AlterConfig(topic, settings);
                }
                if (parse.GetValue(partitions) is int count)
                {
                    store.AddPartitions(topic, count);
                }
                return TopicView.Of(store.Describe(topic));
            },
            client => client.PatchAsync($"/topics/{DaemonClient.Escape(parse.GetValue(name)!)}", new { partitions = parse.GetValue(partitions), config = Settings(parse, config) }, ct),
            topic => Print(topic)));
        return command;
    }

    private static Command DeleteCommand()
    {
        var name = new Argument<string>("name") { Description = "Topic name" };
        var command = new Command("delete", "Delete a topic and all its data") { name };
        command.SetAction((parse, ct) => CliContext.RunAsync(
            parse,
            store =>
            {
                store.DeleteTopic(parse.GetValue(name)!);
                return Deleted(parse.GetValue(name)!);
            },
            async client =>
            {
                await client.DeleteAsync($"/topics/{DaemonClient.Escape(parse.GetValue(name)!)}", ct);
                return await Deleted(parse.GetValue(name)!);
            }));
        return command;
    }

    private static Task<int> Deleted(string topic)
    {
        Console.WriteLine($"deleted topic {topic}");
        return Task.FromResult(0);
    }

    private static Dictionary<string, string> Settings(ParseResult parse, Option<string[]> config) =>
        (parse.GetValue(config) ?? []).Select(LogConfig.ParseSetting).ToDictionary(s => s.Key, s => s.Value, StringComparer.Ordinal);

    /// <summary>One topic from the store or the daemon, printed with <paramref name="print"/> (or as the API's JSON with --output json).</summary>
    private static Task<int> RunAsync(ParseResult parse, Func<TopicStore, TopicView> local, Func<DaemonClient, Task<JsonElement>> remote, Action<TopicView> print) =>
        CliContext.RunAsync(
            parse,
            store => Show(parse, local(store), print),
            async client => await Show(parse, (await remote(client)).Deserialize<TopicView>(JsonSerializerOptions.Web)!, print));

    private static Task<int> Show(ParseResult parse, TopicView topic, Action<TopicView> print)
    {
        if (CliContext.Json(parse))
        {
            Console.WriteLine(JsonSerializer.Serialize(topic, JsonSerializerOptions.Web));
        }
        else
        {
            print(topic);
        }
        return Task.FromResult(0);
    }

    private static Task<int> PrintList(ParseResult parse, List<TopicView> topics)
    {
        if (CliContext.Json(parse))
        {
            Console.WriteLine(JsonSerializer.Serialize(topics, JsonSerializerOptions.Web));
        }
        else
        {
            foreach (var topic in topics)
            {
                Console.WriteLine(topic.Name);
            }
        }
        return Task.FromResult(0);
    }

    private static void Print(TopicView topic)
    {
        var console = AnsiConsole.Console;
        console.WriteLine($"Topic: {topic.Name}  Partitions: {topic.Partitions.Count}  ReplicationFactor: {topic.ReplicationFactor}");
        var partitions = new Table().AddColumns("Partition", "Start offset", "End offset", "Size (bytes)", "Segments");
        foreach (var p in topic.Partitions)
        {
            partitions.AddRow(Text(p.Partition), Text(p.LogStartOffset), Text(p.LogEndOffset), Text(p.SizeInBytes), Text(p.SegmentCount));
        }
        console.Write(partitions);
        var config = new Table().AddColumns("Config", "Value");
        foreach (var (key, value) in topic.Config)
        {
            config.AddRow(Markup.Escape(key), Markup.Escape(value));
        }
        console.Write(config);
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
