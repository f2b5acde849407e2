namespace Cep.Benchmarks;

/// <summary>
/// Named measurements in the order they were added, so the table and the JSON read the same
/// way every run. Every name carries its unit (<c>records_per_s</c>, <c>bytes</c>, <c>ms</c>…).
/// Owned by one thread.
/// </summary>
internal sealed class MetricSet
{
    private readonly List<KeyValuePair<string, double>> _values = [];

    public IReadOnlyList<KeyValuePair<string, double>> Values => _values;

    public MetricSet Add(string name, double value)
    {
        _values.Add(new(name, value));
        return this;
    }

    public double this[string name] => _values.First(v => v.Key == name).Value;
}
