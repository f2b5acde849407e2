using System.CommandLine;
using Cep.Cli.Commands;

try
{
    CliSettings.Current = CliSettings.Load(CliSettings.FileFlag(args), Environment.GetEnvironmentVariables());
}
catch (FormatException e)
{
    await Console.Error.WriteLineAsync($"error: {e.Message}");
    return 2;
}

var root = new RootCommand("cep: a complex event processing engine on its own partitioned log")
{
    CliContext.DataOption,
    CliContext.ServerOption,
    CliContext.OutputOption,
    CliContext.ConfigFileOption,
};
root.Subcommands.Add(TopicsCommand.Create());
root.Subcommands.Add(ProduceCommand.Create());
root.Subcommands.Add(ConsumeCommand.Create());
root.Subcommands.Add(LogCommand.Create());
root.Subcommands.Add(RunCommand.Create());
root.Subcommands.Add(ReplayCommand.Create());
root.Subcommands.Add(DaemonCommand.Create());
root.Subcommands.Add(QueryCommand.Create());
root.Subcommands.Add(ClusterCommand.Create());
return await root.Parse(args).InvokeAsync();
