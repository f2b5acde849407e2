using System.CommandLine;
using Cep.Storage;
using Cep.Storage.Topics;

namespace Cep.Cli.Commands;

/// <summary>
/// What every verb shares: the <c>--data</c> option (default <c>$CEP_DATA</c>, else <c>./data</c>),
/// opening the embedded store, and turning storage errors into one clear line on stderr and
/// exit code 1 (usage errors are System.CommandLine's, exit code 2).
/// </summary>
internal static class CliContext
{
    private static readonly TimeSpan MaintenanceInterval = TimeSpan.FromSeconds(30);

    public static readonly Option<string> DataOption = new("--data")
    {
        Description = "Data directory of the embedded log (default: $CEP_DATA or ./data)",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("CEP_DATA") is { Length: > 0 } dir ? dir : "data",
    };

    /// <summary>Runs <paramref name="action"/> against the store, mapping failures to messages and exit codes.</summary>
    public static async Task<int> RunAsync(ParseResult parse, Func<TopicStore, Task<int>> action)
    {
        try
        {
            using var store = TopicStore.Open(parse.GetValue(DataOption)!);
            // Long-running verbs (consume --follow, big produces) keep retention and compaction going.
            store.StartMaintenance(MaintenanceInterval);
            return await action(store);
        }
        catch (StorageException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (IOException e)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            return 130;
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
