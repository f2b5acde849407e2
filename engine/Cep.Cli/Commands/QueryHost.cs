using System.CommandLine;
using Cep.Engine.Runtime;
using Cep.Query;
using Cep.Storage.Topics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Cep.Cli.Commands;

/// <summary>
/// What the verbs that run a query script share (<c>run</c>, <c>replay</c>): compiling the
/// script with its errors printed as the compiler gives them, a console logger on stderr, and
/// turning a failed query into one clear line and exit code 1.
/// </summary>
internal static class QueryHost
{
    public static readonly Option<string?> NameOption = new("--name") { Description = "Query name (default: the script's file name); also names its state and internal topics" };

    public static readonly Option<int> WorkersOption = new("--workers")
    {
        Description = "Threads the query tasks run on (default: $CEP_WORKERS, cep.json, else the number of cores)",
        DefaultValueFactory = CliContext.Configured("workers", Environment.ProcessorCount),
    };

    public static readonly Option<string[]> SetOption = new("--set")
    {
        Description = "KEY=VALUE: a setting the script reads through Config (repeatable; over cep.json's settings.<query> and CEP_SETTINGS__<query>__KEY)",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>
    /// Compiles <paramref name="path"/> (or takes it from the compile cache under the data
    /// directory) and runs the query built from it with <paramref name="run"/>; 0 when it
    /// completed, 1 with the error on stderr otherwise.
    /// </summary>
    public static Task<int> RunScriptAsync(ParseResult parse, string path, Func<QueryScript, ILoggerFactory, Task> run) => ReportCompileErrors(async () =>
    {
        using var logging = CreateLogging();
        using var script = Compile(parse, path);
        try
        {
            await run(script, logging);
            return 0;
        }
        catch (Exception e) when (e is QueryFailedException or QueryConflictException or IncompatibleStateException or NotSupportedException or InvalidOperationException or UnknownTopicException or FormatException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    });

    /// <summary>
    /// Loads <paramref name="path"/> with the compile cache of the data directory and the
    /// script settings (<see cref="CliSettings"/>, then <c>--set</c>); a spinner says so on a
    /// terminal, since a first compile takes a second or two.
    /// </summary>
    /// <exception cref="QueryCompilationException">The script has errors.</exception>
    public static QueryScript Compile(ParseResult parse, string path)
    {
        string cache = Path.Combine(parse.GetValue(CliContext.DataOption)!, "query-cache");
        var script = Console.IsErrorRedirected
            ? QueryScript.Load(path, cache)
            : AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) })
                .Status().Start($"compiling {Path.GetFileName(path)}", _ => QueryScript.Load(path, cache));
        script.Settings = Settings(parse, parse.GetValue(NameOption) ?? script.Name);
        return script;
    }

    /// <summary>Script settings: cep.json's and the environment's (<see cref="CliSettings.ScriptSettings"/>), then each <c>--set KEY=VALUE</c> for the query given.</summary>
    public static IConfiguration Settings(ParseResult parse, string? query = null)
    {
        var values = new Dictionary<string, string?>(CliSettings.Current.ScriptSettings.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value)), StringComparer.OrdinalIgnoreCase);
        if (query is not null && parse.GetResult(SetOption) is not null)
        {
            foreach (string setting in parse.GetValue(SetOption) ?? [])
            {
                values[$"{query}:{setting[..setting.IndexOf('=')]}"] = setting[(setting.IndexOf('=') + 1)..];
            }
        }
        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    /// <summary>Runs <paramref name="action"/>; a script that does not compile prints the compiler's errors as <c>dotnet build</c> does and gives exit code 1.</summary>
    public static async Task<int> ReportCompileErrors(Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (QueryCompilationException e)
        {
            foreach (string error in e.Errors)
            {
                await Console.Error.WriteLineAsync(error);
            }
            await Console.Error.WriteLineAsync($"error: {e.Path} does not compile ({e.Errors.Count} error(s)); nothing was run");
            return 1;
        }
        catch (FileNotFoundException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    public static EmbeddedTopicLog Log(TopicStore store) => new(store);

    /// <summary>Single-line console logs on stderr (stdout is for results), information and up.</summary>
    public static ILoggerFactory CreateLogging() => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        // DotNext's Raft warns at every retry to an unreachable member, several times a second;
        // the controller logs what matters (who is active, brokers fenced, leaders elected).
        .AddFilter("DotNext", LogLevel.Error)
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        })
        .AddFilter("Microsoft", LogLevel.Warning));
}
