using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace Cep.Cli.Commands;

/// <summary>
/// The daemon's <c>/metrics</c>: listens to every instrument of the engine's meters
/// (<c>Cep.*</c>: runtime, patterns) from start, keeps counters and up-down counters as sums
/// and histograms as count and sum per tag set, samples observable gauges (lag, watermark
/// delay) afresh on each render — a series whose task ended disappears — and renders them in
/// the Prometheus text format (dots become underscores; counters end in <c>_total</c>). Thread-safe.
/// </summary>
internal sealed class PrometheusText : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(Instrument Instrument, string Labels), Series> _series = new();
    private readonly Lock _render = new();

    public PrometheusText()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name.StartsWith("Cep.", StringComparison.Ordinal))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public string Render()
    {
        lock (_render)
        {
            foreach (var key in _series.Keys.Where(k => k.Instrument.IsObservable))
            {
                _series.TryRemove(key, out _);
            }
            _listener.RecordObservableInstruments();
            return RenderSeries();
        }
    }

    private string RenderSeries()
    {
        var text = new StringBuilder();
        foreach (var family in _series.GroupBy(s => s.Key.Instrument).OrderBy(g => g.Key.Name, StringComparer.Ordinal))
        {
            var instrument = family.Key;
            string name = instrument.Name.Replace('.', '_');
            bool histogram = instrument is Histogram<double> or Histogram<long>;
            bool counter = instrument.GetType().Name.StartsWith("Counter", StringComparison.Ordinal);
            string exposed = counter ? name + "_total" : name;
            text.Append(CultureInfo.InvariantCulture, $"# HELP {exposed} {instrument.Description} ({instrument.Unit})\n");
            text.Append(CultureInfo.InvariantCulture, $"# TYPE {exposed} {(histogram ? "summary" : counter ? "counter" : "gauge")}\n");
            foreach (var (key, series) in family.OrderBy(s => s.Key.Labels, StringComparer.Ordinal))
            {
                string labels = key.Labels.Length == 0 ? "" : "{" + key.Labels + "}";
                if (histogram)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{name}_count{labels} {series.Count}\n");
                    text.Append(CultureInfo.InvariantCulture, $"{name}_sum{labels} {series.Sum}\n");
                }
                else
                {
                    text.Append(CultureInfo.InvariantCulture, $"{exposed}{labels} {series.Sum}\n");
                }
            }
        }
        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new StringBuilder();
        foreach (var (key, tagValue) in tags)
        {
            labels.Append(labels.Length == 0 ? "" : ",").Append(key.Replace('.', '_')).Append("=\"")
                .Append(Convert.ToString(tagValue, CultureInfo.InvariantCulture)?.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)).Append('"');
        }
        _series.GetOrAdd((instrument, labels.ToString()), _ => new Series()).Add(value);
    }

    /// <summary>One time series: the sum of its measurements and how many there were.</summary>
    private sealed class Series
    {
        private readonly Lock _lock = new();

        public double Sum { get; private set; }

        public long Count { get; private set; }

        public void Add(double value)
        {
            lock (_lock)
            {
                Sum += value;
                Count++;
            }
        }
    }
}
