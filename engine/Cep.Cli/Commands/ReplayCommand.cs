using System.CommandLine;
using System.Diagnostics;
using Cep.Engine.Runtime;
using Cep.Query;
using Spectre.Console;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep replay FILE.csx --to-topic T --from-offset N|--from-time ISO</c>: runs a query over
/// the history of its inputs, from the given position to the end they have now, writing every
/// output into topic T (created with the inputs' partition count if missing). It keeps no
/// state and leaves the live query alone (its internal topics get a name of their own). From
/// offset 0 the result equals the live run's output. Progress: records, offsets, ETA.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "The query script (.csx)" };
        var toTopic = new Option<string>("--to-topic") { Description = "Topic every output of the replay goes to", Required = true };
        var fromOffset = new Option<long?>("--from-offset") { Description = "Start every input partition at this offset" };
        var fromTime = new Option<string?>("--from-time") { Description = "Start at the first record at or after this ISO 8601 time" };
        var command = new Command("replay", "Run a query over history into a new topic")
        {
            file, QueryHost.NameOption, toTopic, fromOffset, fromTime,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(fromOffset) is null) == (result.GetValue(fromTime) is null))
            {
                result.AddError("give exactly one of --from-offset and --from-time");
            }
        });
        command.SetAction((parse, ct) => CliContext.RunAsync(parse, store => QueryHost.RunScriptAsync(parse, parse.GetValue(file)!, async (script, logging) =>
        {
            // The same forms (and errors) as a deployment's start position.
            var start = StartPosition.Parse(parse.GetValue(fromOffset) is { } offset ? $"offset:{offset}" : $"time:{parse.GetValue(fromTime)}");
            long total = 0, done = 0;
            var options = new QueryOptions
            {
                StopAtEnd = true,
                StartOffset = start.Offset,
                StartTime = start.Time,
                OutputTopic = parse.GetValue(toTopic),
                LoggerFactory = logging,
                OnInputOpened = (_, _, from, end) => Interlocked.Add(ref total, Math.Max(0, end - from)),
                OnProgress = records => Interlocked.Add(ref done, records),
            };
            string name = $"{parse.GetValue(QueryHost.NameOption) ?? script.Name}-replay-{DateTime.UtcNow:yyyyMMddHHmmss}";
            using var cts = CliContext.CancelOnSignal(ct);
            var clock = Stopwatch.StartNew();
            var run = QueryRunner.RunAsync(name, script.Define, QueryHost.Log(store), options, cts.Token);
            var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
            await console.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask($"replaying {script.Name} into {options.OutputTopic}", maxValue: 1);
                    while (!run.IsCompleted)
                    {
                        await Task.WhenAny(run, Task.Delay(200, CancellationToken.None));
                        task.MaxValue = Math.Max(1, Interlocked.Read(ref total));
                        task.Value = Math.Min(task.MaxValue, Interlocked.Read(ref done));
                    }
                    task.Value = task.MaxValue;
                });
            await run;
            Console.WriteLine($"replayed {Interlocked.Read(ref done)} records ({Interlocked.Read(ref total)} offsets) of {script.Name} into {options.OutputTopic} in {clock.Elapsed.TotalSeconds:F1} s");
        })));
        return command;
    }
}
