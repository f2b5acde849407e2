using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Cep.IntegrationTests;

/// <summary>Fault tests on real processes: kill -9 mid-stream, reopen, nothing acknowledged is lost, nothing torn survives.</summary>
public sealed partial class KillTests
{
    [Fact]
    public async Task A_producer_killed_mid_stream_loses_nothing_it_reported_and_leaves_a_sound_log()
    {
        using var data = new TempDirectory();
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "create", "stream", "--config", "segment.bytes=65536")).ExitCode);

        using var producer = Process.Start(CepProcess.StartInfo(data.Path, "produce", "stream"))!;
        long reported = 0;
        int reports = 0;
        var progress = Task.Run(async () =>
        {
            while (await producer.StandardError.ReadLineAsync() is { } line)
            {
                var match = Appended().Match(line);
                if (match.Success)
                {
                    Interlocked.Exchange(ref reported, long.Parse(match.Groups[1].Value));
                    Interlocked.Increment(ref reports);
                }
            }
        });
        var feeding = Task.Run(async () =>
        {
            try
            {
                for (long i = 0; ; i++)
                {
                    await producer.StandardInput.WriteLineAsync($"event-{i:D9} {new string('p', 80)}");
                }
            }
            catch (IOException)
            {
                // The producer is dead: the pipe is closed.
            }
        });

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref reports) < 3 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.True(Volatile.Read(ref reports) >= 3, "the producer reported no progress");
        producer.Kill(entireProcessTree: true); // SIGKILL: no cleanup, no clean-shutdown marker
        await producer.WaitForExitAsync();
        await progress;
        await feeding;
        long acknowledged = Volatile.Read(ref reported);
        Assert.True(acknowledged > 0);

        var verify = await CepProcess.RunAsync(data.Path, "log", "verify");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        Assert.Contains("ok: 1 topic(s)", verify.Stdout);

        var consumed = await CepProcess.RunAsync(data.Path, "consume", "stream");
        var lines = consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= acknowledged, $"{lines.Length} records survived, {acknowledged} were reported appended");
        for (int i = 0; i < lines.Length; i++)
        {
            Assert.Equal($"event-{i:D9} {new string('p', 80)}", lines[i]); // a gapless, undoubled prefix
        }

        // The log takes appends again after the crash, at the next offset.
        Assert.Equal(0, (await CepProcess.RunWithInputAsync(data.Path, "after\n", "produce", "stream")).ExitCode);
        var last = await CepProcess.RunAsync(data.Path, "consume", "stream", "--partition", "0", "--offset", lines.Length.ToString(), "--print-offset");
        Assert.Equal($"0:{lines.Length}\tafter\n", last.Stdout);
    }

    [GeneratedRegex(@"^appended (\d+) records$")]
    private static partial Regex Appended();
}
