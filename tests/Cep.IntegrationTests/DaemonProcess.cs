using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Cep.IntegrationTests;

/// <summary>A <c>cep daemon</c> started by a test on a free loopback port, with an HttpClient on its admin API; stopped with SIGTERM (or killed when the test did not stop it).</summary>
internal sealed class DaemonProcess : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;

    private DaemonProcess(Process process, int port)
    {
        _process = process;
        _stdout = process.StandardOutput.ReadToEndAsync();
        _stderr = process.StandardError.ReadToEndAsync();
        Address = $"http://127.0.0.1:{port}";
        Http = new HttpClient { BaseAddress = new Uri(Address) };
    }

    public string Address { get; }

    public HttpClient Http { get; }

    /// <summary>HOST:PORT of the daemon's Kafka listener (bootstrap servers).</summary>
    public string KafkaAddress { get; private set; } = "";

    public Process Process => _process;

    /// <summary>
    /// Starts the daemon on <paramref name="dataDirectory"/> and waits until its API answers and
    /// it has published its addresses — or until it has exited already (a daemon run with
    /// --exit-when-caught-up may be done before the first look).
    /// </summary>
    public static async Task<DaemonProcess> StartAsync(string dataDirectory, params string[] args)
    {
        int port = FreePort();
        // A daemon killed earlier on this directory left its file behind: wait for this one's.
        string published = Path.Combine(dataDirectory, "daemon.json");
        if (File.Exists(published))
        {
            File.Delete(published);
        }
        // A daemon that joins another serves no Kafka clients of its own.
        string[] kafka = args.Contains("--join") ? [] : ["--kafka", "127.0.0.1:0"];
        var daemon = new DaemonProcess(Process.Start(CepProcess.StartInfo(dataDirectory, ["daemon", "--http", $"http://127.0.0.1:{port}", .. kafka, .. args]))!, port);
        await Eventually(async () => daemon._process.HasExited || await daemon.Http.GetStringAsync("/health") == "ok");
        // The daemon publishes its addresses once both listeners are up.
        await Eventually(() => Task.FromResult(daemon._process.HasExited || File.Exists(published)));
        if (!daemon._process.HasExited)
        {
            using var addresses = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(published));
            daemon.KafkaAddress = addresses.RootElement.GetProperty("kafka").GetString() ?? "";
        }
        return daemon;
    }

    /// <summary>SIGTERM, then waits for the exit; returns the exit code, what the daemon printed and its log.</summary>
    public async Task<(int ExitCode, string Output, string Log)> StopAsync()
    {
        await SignalAsync("TERM");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _process.WaitForExitAsync(limit.Token);
        return (_process.ExitCode, await _stdout, await _stderr);
    }

    /// <summary>Sends signal <paramref name="name"/> (TERM, STOP, CONT, …) to the daemon.</summary>
    public async Task SignalAsync(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        await kill.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
        Http.Dispose();
    }

    /// <summary>Waits up to 60 s for <paramref name="condition"/> (a daemon not listening yet counts as false).</summary>
    public static async Task Eventually(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet.
            }
            Assert.True(DateTime.UtcNow < deadline, "the daemon did not get there within 60 s");
            await Task.Delay(200);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
