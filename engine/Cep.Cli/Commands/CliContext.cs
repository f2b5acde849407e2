using System.CommandLine;
using System.CommandLine.Parsing;
using Cep.Query;
using Cep.Storage;
using Cep.Storage.Topics;

namespace Cep.Cli.Commands;

/// <summary>
/// What every verb shares: the <c>--data</c>, <c>--server</c> and <c>--output</c> options
/// (defaults from <see cref="CliSettings"/>), opening the embedded store or reaching the daemon,
/// and turning failures into one clear line on stderr and exit code 1 (usage errors are
/// System.CommandLine's, exit code 2). A verb that can work through a daemon does so when
/// <c>--server</c> is given, or when a daemon owns the data directory (it publishes its admin
/// address in <c>&lt;data&gt;/daemon.json</c> while it runs).
/// </summary>
internal static class CliContext
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(30);

    public static readonly Option<string> DataOption = new("--data")
    {
        Description = "Data directory of the embedded log (default: $CEP_DATA, cep.json \"data\", else ./data)",
        Recursive = true,
        DefaultValueFactory = Configured("data", "data"),
    };

    public static readonly Option<string?> ServerOption = new("--server")
    {
        Description = "Work through the admin API of the daemon at this URL (default: $CEP_SERVER, cep.json \"server\", else the daemon that owns --data, if any)",
        Recursive = true,
        DefaultValueFactory = Configured<string?>("server", null),
    };

    public static readonly Option<string> OutputOption = new("--output")
    {
        Description = "table (default) or json",
        Recursive = true,
        DefaultValueFactory = Configured("output", "table"),
    };

    /// <summary>Named in the help only: <see cref="CliSettings.FileFlag"/> reads it before parsing.</summary>
    public static readonly Option<string?> ConfigFileOption = new("--config-file")
    {
        Description = "Settings file (default: $CEP_CONFIG_FILE, else ./cep.json when it exists)",
        Recursive = true,
    };

    /// <summary>A flag's default from the settings (environment over file), else <paramref name="fallback"/>; a value that does not parse is a usage error naming where it came from.</summary>
    public static Func<ArgumentResult, T> Configured<T>(string key, T fallback) => result =>
    {
        if (CliSettings.Current.Get(key) is not { } text)
        {
            return fallback;
        }
        try
        {
            return (T)Convert.ChangeType(text, Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            result.AddError($"setting '{key}' ({CliSettings.VariableName(key)} or {CliSettings.Current.File ?? "cep.json"}): '{text}' is not a valid {typeof(T).Name}");
            return fallback;
        }
    };

    public static bool Json(ParseResult parse) => parse.GetValue(OutputOption) == "json";

    /// <summary>Runs <paramref name="action"/> against the store, mapping failures to messages and exit codes.</summary>
    public static Task<int> RunAsync(ParseResult parse, Func<TopicStore, Task<int>> action) => RunAsync(parse, action, null);

    /// <summary>
    /// Runs <paramref name="remote"/> against the daemon when there is one to work through
    /// (see the class), else <paramref name="local"/> against the store; failures become a
    /// message and exit code 1.
    /// </summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<TopicStore, Task<int>> local, Func<DaemonClient, Task<int>>? remote)
    {
        string data = parse.GetValue(DataOption)!;
        try
        {
            string? server = parse.GetValue(ServerOption);
            if (server is not null && remote is null)
            {
                throw new CommandException($"this verb works on a data directory, not through a daemon (--server {server})");
            }
            TopicStore? store = null;
            if (server is null)
            {
                try
                {
                    store = TopicStore.Open(data);
                }
                catch (StorageException) when (remote is not null && RunningDaemon(data) is { } address)
                {
                    server = address;
                }
            }
            if (store is null)
            {
                using var client = new DaemonClient(server!);
                return await remote!(client);
            }
            using (store)
            {
                // Long-running verbs (consume --follow, big produces) keep retention and compaction going.
                store.StartMaintenance(MaintenanceInterval);
                return await local(store);
            }
        }
        catch (Exception e) when (e is StorageException or IOException or CommandException or QueryExistsException or FormatException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
        }
    }

    /// <summary>Where a running daemon publishes its admin address while it owns <paramref name="data"/>.</summary>
    public static string DaemonFile(string data) => Path.Combine(data, "daemon.json");

    private static string? RunningDaemon(string data)
    {
        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(DaemonFile(data)));
            return json.RootElement.GetProperty("http").GetString();
        }
        catch (Exception e) when (e is IOException or System.Text.Json.JsonException or KeyNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>A token cancelled by Ctrl+C or SIGTERM, so a following consumer or a running query stops cleanly (queries checkpoint, the log closes cleanly).</summary>
    public static CancellationTokenSource CancelOnSignal(CancellationToken outer)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        // Kept alive for the process: disposing the registration would restore the default (exit at once).
        _sigterm ??= System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            // The first SIGTERM stops gracefully; a second one is not intercepted and ends the process.
            var stop = Interlocked.Exchange(ref _onSigterm, null);
            context.Cancel = stop is not null;
            stop?.Invoke();
        });
        _onSigterm = cts.Cancel;
        return cts;
    }

    private static System.Runtime.InteropServices.PosixSignalRegistration? _sigterm;
    private static Action? _onSigterm;
}
