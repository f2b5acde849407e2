using System.Diagnostics;

namespace Cep.IntegrationTests;

/// <summary>Runs a script of tests/kafkajs under node against a broker.</summary>
internal static class NodeProcess
{
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string brokers, IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepositoryFiles.Combine("tests", "kafkajs"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["KAFKA_BROKERS"] = brokers;
        info.Environment["TIMEOUT_MS"] = "60000";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout, await stderr);
    }
}
