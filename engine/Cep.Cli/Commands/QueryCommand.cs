using System.CommandLine;
using System.Text.Json;
using Cep.Query;
using Spectre.Console;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep query deploy|list|status|stop</c>: manage queries, through a running daemon's admin
/// API (see <see cref="CliContext"/> for when), or in the data directory's catalog when no
/// daemon runs: there a deployment compiles the script (refused with the compiler's errors)
/// and is recorded, with its start position, for the next <c>cep daemon</c> to run; a stop is
/// recorded the same way. Lists print a table, or JSON with <c>--output json</c>.
/// </summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var command = new Command("query", "Deploy, list, inspect and stop queries (of a running daemon, or in the data directory's catalog)");
        var file = new Argument<string>("file") { Description = "The query script (.csx)" };
        var replace = new Option<bool>("--replace") { Description = "Replace a query of the same name deployed from another script" };
        var deploy = new Command("deploy", "Deploy a script (replacing a running query of the same name; it resumes from its checkpoint unless a start position is given)")
        {
            file, QueryHost.NameOption, replace,
        };
        var start = new StartOptions(deploy);
        deploy.SetAction((parse, ct) =>
        {
            string? from = start.Text(parse);
            string path = Path.GetFullPath(parse.GetValue(file)!);
            string? name = parse.GetValue(QueryHost.NameOption);
            return RunAsync(
                parse,
                single: true,
                catalog => DeployToCatalog(parse, catalog, path, name, from, parse.GetValue(replace)),
                client => client.PostAsync("/queries", new { path, name, from, replace = parse.GetValue(replace) }, ct));
        });
        var list = new Command("list", "Every query and its state");
        list.SetAction((parse, ct) => RunAsync(
            parse,
            single: false,
            catalog => [.. catalog.Load().Select(QueryManager.CatalogStatus)],
            client => client.GetAsync("/queries", ct)));
        var name = new Argument<string>("name") { Description = "Query name" };
        var status = new Command("status", "One query's state (and error)") { name };
        status.SetAction((parse, ct) => RunAsync(
            parse,
            single: true,
            catalog => [QueryManager.CatalogStatus(catalog.Get(parse.GetValue(name)!) ?? throw Unknown(parse.GetValue(name)!))],
            client => client.GetAsync($"/queries/{DaemonClient.Escape(parse.GetValue(name)!)}", ct)));
        var stopName = new Argument<string>("name") { Description = "Query name" };
        var stop = new Command("stop", "Stop a query (its tasks checkpoint first); it stays stopped across daemon restarts") { stopName };
        stop.SetAction((parse, ct) => RunAsync(
            parse,
            single: true,
            catalog => catalog.MarkStopped(parse.GetValue(stopName)!) ? [QueryManager.CatalogStatus(catalog.Get(parse.GetValue(stopName)!)!)] : throw Unknown(parse.GetValue(stopName)!),
            client => client.DeleteAsync($"/queries/{DaemonClient.Escape(parse.GetValue(stopName)!)}", ct)));
        command.Subcommands.Add(deploy);
        command.Subcommands.Add(list);
        command.Subcommands.Add(status);
        command.Subcommands.Add(stop);
        return command;
    }

    private static CommandException Unknown(string name) => new($"no query '{name}' in the catalog");

    private static List<QueryStatus> DeployToCatalog(ParseResult parse, QueryCatalog catalog, string path, string? name, string? from, bool replace)
    {
        if (from is not null)
        {
            StartPosition.Parse(from); // refused now, not when the daemon starts
        }
        using var script = QueryHost.Compile(parse, path);
        name ??= script.Name;
        if (!replace && catalog.Get(name) is { } existing && existing.Path != script.Path)
        {
            throw new QueryExistsException(name, existing.Path, script.Path);
        }
        var entry = new QueryCatalog.Entry(name, script.Path, script.SourceHash, QueryCatalog.Deployed, from, DateTimeOffset.UtcNow);
        catalog.Put(entry);
        return [QueryManager.CatalogStatus(entry)];
    }

    /// <summary>
    /// The catalog's answer or the daemon's, printed the same way (JSON: an object when
    /// <paramref name="single"/>, else an array); a script that does not compile prints the
    /// compiler's errors and exits 1.
    /// </summary>
    private static Task<int> RunAsync(ParseResult parse, bool single, Func<QueryCatalog, List<QueryStatus>> local, Func<DaemonClient, Task<JsonElement>> remote) =>
        CliContext.RunAsync(
            parse,
            store => QueryHost.ReportCompileErrors(() => Print(parse, single, local(new QueryCatalog(Path.Combine(store.DataDirectory, "catalog.json"))))),
            async client =>
            {
                var answer = await remote(client);
                var statuses = answer.ValueKind == JsonValueKind.Array ? answer.Deserialize<List<QueryStatus>>(JsonSerializerOptions.Web)! : [answer.Deserialize<QueryStatus>(JsonSerializerOptions.Web)!];
                return await Print(parse, single, statuses);
            });

    private static Task<int> Print(ParseResult parse, bool single, List<QueryStatus> statuses)
    {
        if (CliContext.Json(parse))
        {
            Console.WriteLine(single ? JsonSerializer.Serialize(statuses[0], JsonSerializerOptions.Web) : JsonSerializer.Serialize(statuses, JsonSerializerOptions.Web));
            return Task.FromResult(0);
        }
        var table = new Table().AddColumns("name", "state", "version", "since", "tasks here, lag", "script", "error");
        foreach (var query in statuses)
        {
            table.AddRow(
                Markup.Escape(query.Name),
                Markup.Escape(query.State),
                Markup.Escape(query.Version[..Math.Min(12, query.Version.Length)]),
                Markup.Escape(query.Since.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)),
                Markup.Escape((query.Tasks is { } tasks ? $"{string.Join(",", tasks)} ({query.Rebalances} rebalances)" : "") + (query.Lag is { } lag ? $" lag {lag}" : "")),
                Markup.Escape(query.Path),
                Markup.Escape(query.Error ?? ""));
        }
        AnsiConsole.Write(table);
        return Task.FromResult(0);
    }
}
