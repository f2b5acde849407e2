using System.Diagnostics;
using System.Text.Json;

namespace Cep.KafkaMember;

/// <summary>
/// A group member running in a process of its own (this program), as tests and benchmarks start
/// and kill them: its latest assignment and the values it consumed, read from its JSON lines.
/// Thread-safe.
/// </summary>
public sealed class MemberProcess : IDisposable
{
    private readonly Lock _lock = new();
    private readonly List<string> _values = [];
    private List<int> _assigned = [];

    private MemberProcess(Process process) => Process = process;

    public Process Process { get; }

    /// <summary>The partitions of its latest assignment (empty after a revocation).</summary>
    public List<int> Assigned
    {
        get
        {
            lock (_lock)
            {
                return [.. _assigned];
            }
        }
    }

    /// <summary>How many assignments it has received.</summary>
    public int Assignments { get; private set; }

    public List<string> Values
    {
        get
        {
            lock (_lock)
            {
                return [.. _values];
            }
        }
    }

    /// <summary>Starts <c>Cep.KafkaMember.dll</c> (next to the calling program) as member <paramref name="name"/> of <paramref name="group"/>.</summary>
    public static MemberProcess Start(string brokers, string topic, string group, string name, int sessionTimeoutMs)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        string[] args = [Path.Combine(AppContext.BaseDirectory, "Cep.KafkaMember.dll"), brokers, topic, group, name, sessionTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        var member = new MemberProcess(Process.Start(info)!);
        member.Process.OutputDataReceived += (_, line) => member.Read(line.Data);
        member.Process.BeginOutputReadLine();
        return member;
    }

    /// <summary>Kills the process at once: no LeaveGroup, the coordinator has to notice the silence.</summary>
    public void Kill() => Process.Kill();

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill();
        }
        Process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null)
        {
            return;
        }
        var json = JsonDocument.Parse(line).RootElement;
        lock (_lock)
        {
            switch (json.GetProperty("event").GetString())
            {
                case "assigned":
                    _assigned = json.GetProperty("partitions").EnumerateArray().Select(p => p.GetInt32()).ToList();
                    Assignments++;
                    break;
                case "revoked":
                    _assigned = [];
                    break;
                case "message":
                    _values.Add(json.GetProperty("value").GetString()!);
                    break;
            }
        }
    }
}
