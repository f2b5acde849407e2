using System.Diagnostics;
using System.Text.Json;

namespace Cep.Benchmarks;

/// <summary>A <c>cep daemon</c> process (the build next to the benchmarks) with its admin API on a free port, for one benchmark run; killed on dispose if still running.</summary>
internal sealed class BenchDaemon : IDisposable
{
    private readonly Process _process;

    private BenchDaemon(Process process, HttpClient http, string? kafka)
    {
        _process = process;
        Http = http;
        Kafka = kafka;
    }

    /// <summary>HOST:PORT of its Kafka listener, or null when it serves none.</summary>
    public string? Kafka { get; }

    /// <summary>A client of its admin API.</summary>
    public HttpClient Http { get; }

    public static async Task<BenchDaemon> StartAsync(string data, string[] args)
    {
        int port = FreePort();
        // A daemon killed earlier left its file: wait for this one's.
        if (Directory.Exists(data))
        {
            File.Delete(Path.Combine(data, "daemon.json"));
        }
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in (string[])[Path.Combine(AppContext.BaseDirectory, "cep.dll"), "daemon", "--data", data, "--http", $"http://127.0.0.1:{port}", .. args])
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        string file = Path.Combine(data, "daemon.json");
        await Until(() => Task.FromResult(File.Exists(file)));
        using var published = JsonDocument.Parse(await File.ReadAllTextAsync(file));
        return new BenchDaemon(process, http, published.RootElement.GetProperty("kafka").GetString());
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms for up to 5 minutes.</summary>
    public static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the daemons did not get there within 5 minutes");
            }
            await Task.Delay(50);
        }
    }

    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>SIGKILL.</summary>
    public void Kill() => _process.Kill();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process.Dispose();
        Http.Dispose();
    }
}
