using System.CommandLine;
using Cep.Engine.Runtime;
using Cep.Query;
using Cep.Storage.Topics;
using Microsoft.Extensions.Logging;

namespace Cep.Cli.Commands;

/// <summary>
/// What the verbs that run a query script share (<c>run</c>, <c>replay</c>): compiling the
/// script with its errors printed as the compiler gives them, a console logger on stderr, and
/// turning a failed query into one clear line and exit code 1.
/// </summary>
internal static class QueryHost
{
    public static readonly Option<string?> NameOption = new("--name") { Description = "Query name (default: the script's file name); also names its state and internal topics" };

    /// <summary>
    /// Compiles <paramref name="path"/> (or takes it from the compile cache under the data
    /// directory) and runs the query built from it with <paramref name="run"/>; 0 when it
    /// completed, 1 with the error on stderr otherwise.
    /// </summary>
    public static async Task<int> RunScriptAsync(ParseResult parse, string path, Func<QueryScript, ILoggerFactory, Task> run)
    {
        QueryScript script;
        try
        {
            script = QueryScript.Load(path, Path.Combine(parse.GetValue(CliContext.DataOption)!, "query-cache"));
        }
        catch (QueryCompilationException e)
        {
            foreach (string error in e.Errors)
            {
                await Console.Error.WriteLineAsync(error);
            }
            await Console.Error.WriteLineAsync($"error: {path} does not compile ({e.Errors.Count} error(s)); nothing was run");
            return 1;
        }
        catch (FileNotFoundException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        using var logging = CreateLogging();
        using var loaded = script;
        try
        {
            await run(script, logging);
            return 0;
        }
        catch (Exception e) when (e is QueryFailedException or IncompatibleStateException or NotSupportedException or InvalidOperationException or UnknownTopicException or FormatException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
    }

    public static EmbeddedTopicLog Log(TopicStore store) => new(store);

    /// <summary>Single-line console logs on stderr (stdout is for results), information and up.</summary>
    public static ILoggerFactory CreateLogging() => LoggerFactory.Create(builder => builder
        .SetMinimumLevel(LogLevel.Information)
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
        .AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss ";
        })
        .AddFilter("Microsoft", LogLevel.Warning));
}
