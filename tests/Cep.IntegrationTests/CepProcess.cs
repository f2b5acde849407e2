using System.Diagnostics;

namespace Cep.IntegrationTests;

/// <summary>Runs the real <c>cep</c> executable (built next to the tests) as a child process with its own data directory.</summary>
internal static class CepProcess
{
    private static string CepDll => Path.Combine(AppContext.BaseDirectory, "cep.dll");

    public static ProcessStartInfo StartInfo(string dataDirectory, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(CepDll);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["CEP_DATA"] = dataDirectory;
        return info;
    }

    /// <summary>Runs to completion; stdin gets <paramref name="input"/> (then EOF).</summary>
    public static Task<(int ExitCode, string Stdout, string Stderr)> RunWithInputAsync(string dataDirectory, string? input, params string[] args) =>
        RunAsync(StartInfo(dataDirectory, args), input);

    /// <summary>Runs <paramref name="info"/> to completion; stdin gets <paramref name="input"/> (then EOF).</summary>
    public static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(ProcessStartInfo info, string? input = null)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    public static Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string dataDirectory, params string[] args) =>
        RunWithInputAsync(dataDirectory, null, args);
}
