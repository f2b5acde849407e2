using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>cep query deploy|list|status|stop</c>: manage the queries of a running daemon through its
/// admin API (<c>--server</c>, default <c>$CEP_SERVER</c> or http://127.0.0.1:8420). Lists print
/// a table, or the API's JSON with <c>--output json</c>. A refused deployment prints the
/// compiler's errors and exits 1; an unreachable daemon is one clear line and exit 1.
/// </summary>
internal static class QueryCommand
{
    private static readonly Option<string> ServerOption = new("--server")
    {
        Description = "Admin API of the daemon (default: $CEP_SERVER or http://127.0.0.1:8420)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CEP_SERVER") is { Length: > 0 } server ? server : "http://127.0.0.1:8420",
    };

    private static readonly Option<string> OutputOption = new("--output")
    {
        Description = "table (default) or json",
        Recursive = true,
        DefaultValueFactory = _ => "table",
    };

    public static Command Create()
    {
        var command = new Command("query", "Deploy, list, inspect and stop the queries of a running daemon") { ServerOption, OutputOption };
        var file = new Argument<string>("file") { Description = "The query script (.csx)" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Drop the query's state and start at the beginning of every input" };
        var fromOffset = new Option<long?>("--from-offset") { Description = "Drop the query's state and start every input at this offset" };
        var fromTime = new Option<string?>("--from-time") { Description = "Drop the query's state and start at the first record at or after this ISO 8601 time" };
        var fromLatest = new Option<bool>("--from-latest") { Description = "Drop the query's state and start at the end of every input" };
        var deploy = new Command("deploy", "Deploy a script (replacing a running query of the same name; it resumes from its checkpoint unless a start position is given)")
        {
            file, QueryHost.NameOption, fromBeginning, fromOffset, fromTime, fromLatest,
        };
        deploy.Validators.Add(result =>
        {
            if ((result.GetValue(fromBeginning) ? 1 : 0) + (result.GetValue(fromLatest) ? 1 : 0) + (result.GetValue(fromOffset) is null ? 0 : 1) + (result.GetValue(fromTime) is null ? 0 : 1) > 1)
            {
                result.AddError("give at most one of --from-beginning, --from-offset, --from-time and --from-latest");
            }
        });
        deploy.SetAction((parse, ct) => CallAsync(parse, async http =>
        {
            string? from = parse.GetValue(fromBeginning) ? "beginning"
                : parse.GetValue(fromLatest) ? "latest"
                : parse.GetValue(fromOffset) is { } offset ? $"offset:{offset}"
                : parse.GetValue(fromTime) is { } time ? $"time:{time}"
                : null;
            var response = await http.PostAsJsonAsync("/queries", new { path = Path.GetFullPath(parse.GetValue(file)!), name = parse.GetValue(QueryHost.NameOption), from }, ct);
            return await PrintAsync(parse, response, ct);
        }));
        var list = new Command("list", "Every deployed query and its state");
        list.SetAction((parse, ct) => CallAsync(parse, async http => await PrintAsync(parse, await http.GetAsync("/queries", ct), ct)));
        var name = new Argument<string>("name") { Description = "Query name" };
        var status = new Command("status", "One query's state (and error)") { name };
        status.SetAction((parse, ct) => CallAsync(parse, async http => await PrintAsync(parse, await http.GetAsync($"/queries/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct), ct)));
        var stopName = new Argument<string>("name") { Description = "Query name" };
        var stop = new Command("stop", "Stop a query (its tasks checkpoint first)") { stopName };
        stop.SetAction((parse, ct) => CallAsync(parse, async http => await PrintAsync(parse, await http.DeleteAsync($"/queries/{Uri.EscapeDataString(parse.GetValue(stopName)!)}", ct), ct)));
        command.Subcommands.Add(deploy);
        command.Subcommands.Add(list);
        command.Subcommands.Add(status);
        command.Subcommands.Add(stop);
        return command;
    }

    private static async Task<int> CallAsync(ParseResult parse, Func<HttpClient, Task<int>> call)
    {
        string server = parse.GetValue(ServerOption)!;
        using var http = new HttpClient { BaseAddress = new Uri(server), Timeout = TimeSpan.FromMinutes(2) };
        try
        {
            return await call(http);
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"error: no daemon answers at {server} ({e.Message}); start one with `cep daemon`");
            return 1;
        }
    }

    /// <summary>Prints the API's answer: its JSON, or a table of query statuses; errors on stderr with exit code 1.</summary>
    private static async Task<int> PrintAsync(ParseResult parse, HttpResponseMessage response, CancellationToken ct)
    {
        string body = await response.Content.ReadAsStringAsync(ct);
        var json = JsonDocument.Parse(body).RootElement;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await Console.Error.WriteLineAsync($"error: {json.GetProperty("error").GetString()}");
            return 1;
        }
        if (parse.GetValue(OutputOption) == "json")
        {
            Console.WriteLine(body);
            return 0;
        }
        var table = new Table().AddColumns("name", "state", "since", "script", "error");
        foreach (var query in json.ValueKind == JsonValueKind.Array ? json.EnumerateArray() : Enumerable.Repeat(json, 1))
        {
            table.AddRow(
                Markup.Escape(query.GetProperty("name").GetString()!),
                Markup.Escape(query.GetProperty("state").GetString()!),
                Markup.Escape(query.GetProperty("since").GetDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)),
                Markup.Escape(query.GetProperty("path").GetString()!),
                Markup.Escape(query.GetProperty("error").GetString() ?? ""));
        }
        AnsiConsole.Write(table);
        return 0;
    }
}
