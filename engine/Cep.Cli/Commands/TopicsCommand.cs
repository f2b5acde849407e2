using System.CommandLine;
using System.Globalization;
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
        var replication = new Option<int>("--replication-factor") { Description = "Replicas per partition", DefaultValueFactory = _ => 1 };
        var config = ConfigOption();
        var command = new Command("create", "Create a topic") { name, partitions, replication, config };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, store =>
        {
            var settings = (parse.GetValue(config) ?? []).Select(LogConfig.ParseSetting);
            var topic = store.CreateTopic(parse.GetValue(name)!, parse.GetValue(partitions), parse.GetValue(replication), settings);
            Console.WriteLine($"created topic {topic.Name} with {topic.Partitions.Count} partition(s)");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command ListCommand()
    {
        var command = new Command("list", "List topics, one per line");
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, store =>
        {
            foreach (string topic in store.ListTopics())
            {
                Console.WriteLine(topic);
            }
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command DescribeCommand()
    {
        var name = new Argument<string>("name") { Description = "Topic name" };
        var command = new Command("describe", "Show a topic's partitions, offsets, sizes and config") { name };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, store =>
        {
            Print(store.Describe(parse.GetValue(name)!));
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command AlterCommand()
    {
        var name = new Argument<string>("name") { Description = "Topic name" };
        var partitions = new Option<int?>("--partitions") { Description = "Grow the topic to this many partitions" };
        var config = ConfigOption();
        var command = new Command("alter", "Change a topic's config or add partitions") { name, partitions, config };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, store =>
        {
            string topic = parse.GetValue(name)!;
            var settings = (parse.GetValue(config) ?? []).Select(LogConfig.ParseSetting).ToList();
            if (settings.Count > 0)
            {
                store.AlterConfig(topic, settings);
            }
            if (parse.GetValue(partitions) is int count)
            {
                store.AddPartitions(topic, count);
            }
            Print(store.Describe(topic));
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command DeleteCommand()
    {
        var name = new Argument<string>("name") { Description = "Topic name" };
        var command = new Command("delete", "Delete a topic and all its data") { name };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, store =>
        {
            store.DeleteTopic(parse.GetValue(name)!);
            Console.WriteLine($"deleted topic {parse.GetValue(name)}");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static void Print(TopicDescription topic)
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
        foreach (var (key, value) in topic.Config.ToDictionary())
        {
            config.AddRow(Markup.Escape(key), Markup.Escape(value));
        }
        console.Write(config);
    }

    private static string Text(long value) => value.ToString(CultureInfo.InvariantCulture);
}
