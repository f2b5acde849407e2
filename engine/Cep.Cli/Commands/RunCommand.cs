using System.CommandLine;
using Cep.Engine.Runtime;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep run FILE.csx</c>: runs one query script on the embedded log without a daemon, one
/// task per input partition, until Ctrl+C/SIGTERM (each task checkpoints, then it exits) or,
/// with <c>--exit-when-caught-up</c>, until every input is read to the end it had at start and
/// the windows have closed. State and checkpoints live under <c>--state</c> (default
/// <c>&lt;data&gt;/state</c>): a second run of the same query resumes from its last checkpoint,
/// and its outputs are written exactly once.
/// </summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The query script (.csx)" };
        var state = new Option<string?>("--state") { Description = "State directory (default: <data>/state)" };
        var exit = new Option<bool>("--exit-when-caught-up") { Description = "Stop once every input is read to its current end and the windows have flushed" };
        var interval = new Option<double>("--checkpoint-interval") { Description = "Seconds between checkpoints", DefaultValueFactory = _ => 10 };
        var command = new Command("run", "Run a query script until stopped (or until caught up)")
        {
            file, QueryHost.NameOption, state, exit, interval,
        };
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, store => QueryHost.RunScriptAsync(parse, parse.GetValue(file)!, async (script, logging) =>
        {
            var options = new QueryOptions
            {
                StopAtEnd = parse.GetValue(exit),
                StateDirectory = parse.GetValue(state) ?? Path.Combine(parse.GetValue(CliContext.DataOption)!, "state"),
                CheckpointInterval = TimeSpan.FromSeconds(parse.GetValue(interval)),
                LoggerFactory = logging,
            };
            using var cts = CliContext.CancelOnSignal(ct);
            string name = parse.GetValue(QueryHost.NameOption) ?? script.Name;
            await QueryRunner.RunAsync(name, script.Define, QueryHost.Log(store), options, cts.Token);
        })));
        return command;
    }
}
