using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Cep.Benchmarks;

/// <summary>
/// Prints a result as a plain-text table (machine facts, setup, ours beside the peer, the bar,
/// notes) and then, as the very last line, one JSON object
/// <c>{"scenario":…,"metrics":{…},"peer":{…}|null,"ratio":…|null}</c> for scripts to parse.
/// Thread-safety: pure functions of their arguments plus the console.
/// </summary>
internal static class ReportWriter
{
    public static void Write(ScenarioResult result, bool quick, TextWriter output)
    {
        output.WriteLine($"Cep bench: {result.Scenario}{(quick ? " (--quick)" : "")}   {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        output.WriteLine($"machine: {Environment.ProcessorCount} cores ({CpuModel()}), {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, server GC {System.Runtime.GCSettings.IsServerGC}");
        output.WriteLine($"setup:   {result.Setup}");
        if (result.Peer is not null)
        {
            output.WriteLine($"peer:    {result.Peer.Setup}");
        }
        output.WriteLine();
        WriteTable(result, output);
        output.WriteLine();
        if (result.Table is { } table)
        {
            foreach (string line in table)
            {
                output.WriteLine(line);
            }
            output.WriteLine();
        }
        double main = result.Metrics[result.MainMetric];
        string verdict = main >= result.Bar
            ? "met"
            : $"MISSED by {(1 - main / result.Bar) * 100:F0}% ({Format(main)} of {Format(result.Bar)})";
        output.WriteLine($"bar:     {result.MainMetric} >= {Format(result.Bar)}: {verdict}");
        if (result.Ratio is { } ratio)
        {
            output.WriteLine($"ratio:   ours / {result.Peer!.Name} on {result.MainMetric} = {ratio:F2}");
        }
        foreach (string note in result.Notes)
        {
            output.WriteLine($"note:    {note}");
        }
        output.WriteLine(Json(result));
    }

    private static void WriteTable(ScenarioResult result, TextWriter output)
    {
        var names = result.Metrics.Values.Select(v => v.Key).ToList();
        if (result.Peer is not null)
        {
            names.AddRange(result.Peer.Metrics.Values.Select(v => v.Key).Where(n => !names.Contains(n)));
        }
        int nameWidth = Math.Max(6, names.Max(n => n.Length));
        const int valueWidth = 16;
        var header = new StringBuilder($"{"metric".PadRight(nameWidth)}  {"Cep",valueWidth}");
        if (result.Peer is not null)
        {
            header.Append($"  {result.Peer.Name,valueWidth}");
        }
        output.WriteLine(header);
        output.WriteLine(new string('-', header.Length));
        foreach (string name in names)
        {
            var line = new StringBuilder($"{name.PadRight(nameWidth)}  {Lookup(result.Metrics, name),valueWidth}");
            if (result.Peer is not null)
            {
                line.Append($"  {Lookup(result.Peer.Metrics, name),valueWidth}");
            }
            output.WriteLine(line);
        }
    }

    private static string Lookup(MetricSet metrics, string name)
    {
        foreach (var (key, value) in metrics.Values)
        {
            if (key == name)
            {
                return Format(value);
            }
        }
        return "";
    }

    private static string Format(double value) =>
        Math.Abs(value) >= 1000 ? value.ToString("N0", CultureInfo.InvariantCulture)
        : Math.Abs(value) >= 10 ? value.ToString("F1", CultureInfo.InvariantCulture)
        : value.ToString("F3", CultureInfo.InvariantCulture);

    private static string Json(ScenarioResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("scenario", result.Scenario);
            json.WritePropertyName("metrics");
            WriteMetrics(json, result.Metrics, name: null);
            json.WritePropertyName("peer");
            if (result.Peer is null)
            {
                json.WriteNullValue();
            }
            else
            {
                WriteMetrics(json, result.Peer.Metrics, result.Peer.Name);
            }
            json.WritePropertyName("ratio");
            WriteNumber(json, result.Ratio);
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteMetrics(Utf8JsonWriter json, MetricSet metrics, string? name)
    {
        json.WriteStartObject();
        if (name is not null)
        {
            json.WriteString("name", name);
        }
        foreach (var (key, value) in metrics.Values)
        {
            json.WritePropertyName(key);
            WriteNumber(json, value);
        }
        json.WriteEndObject();
    }

    private static void WriteNumber(Utf8JsonWriter json, double? value)
    {
        // JSON has no NaN or infinity; a metric that could not be computed is null.
        if (value is not { } v || !double.IsFinite(v))
        {
            json.WriteNullValue();
            return;
        }
        json.WriteNumberValue(Math.Abs(v) >= 1000 ? Math.Round(v) : Math.Round(v, 4));
    }

    private static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }
}
