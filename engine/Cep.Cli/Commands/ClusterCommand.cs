using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Cep.Cli.Commands;

/// <summary><c>cep cluster status</c>: a cluster node's view of the controller quorum (who leads, the term), the brokers (live or fenced) and each partition's leader, epoch, replicas and in-sync replicas, through its daemon's admin API.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var command = new Command("cluster", "The cluster a daemon is a node of");
        var status = new Command("status", "Controllers, the active one, brokers and partition leadership");
        status.SetAction((parse, ct) => CliContext.RunAsync(
            parse,
            _ => throw new CommandException("cluster status asks a running daemon: start one with `cep daemon --node-id N --controllers ...`, or give --server URL"),
            async client =>
            {
                var answer = await client.GetAsync("/cluster", ct);
                if (CliContext.Json(parse))
                {
                    Console.WriteLine(answer.GetRawText());
                    return 0;
                }
                var view = answer.Deserialize<ClusterView>(JsonSerializerOptions.Web)!;
                AnsiConsole.MarkupLineInterpolated($"node {view.NodeId}; active controller: {(view.ActiveController?.ToString() ?? "none")}; term {view.Term}; metadata offset {view.MetadataOffset}");
                var controllers = new Table().AddColumns("controller", "address", "role");
                view.Controllers.ForEach(c => controllers.AddRow(c.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), c.Address, c.Role));
                var brokers = new Table().AddColumns("broker", "address", "epoch", "state");
                view.Brokers.ForEach(b => brokers.AddRow(b.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Address, b.Epoch.ToString(System.Globalization.CultureInfo.InvariantCulture), b.State));
                var partitions = new Table().AddColumns("topic", "partition", "leader", "epoch", "replicas", "isr");
                view.Partitions.ForEach(p => partitions.AddRow(Markup.Escape(p.Topic), p.Index.ToString(System.Globalization.CultureInfo.InvariantCulture), p.Leader < 0 ? "none" : p.Leader.ToString(System.Globalization.CultureInfo.InvariantCulture), p.LeaderEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture), string.Join(",", p.Replicas), string.Join(",", p.Isr)));
                AnsiConsole.Write(controllers);
                AnsiConsole.Write(brokers);
                AnsiConsole.Write(partitions);
                return 0;
            }));
        command.Subcommands.Add(status);
        return command;
    }
}
