namespace Cep.Benchmarks;

/// <summary>
/// The outcome of one scenario: our metrics, the peer's (null when there is none), which
/// metric the ratio compares, and free-text notes on how the numbers were obtained.
/// </summary>
internal sealed record ScenarioResult(
    string Scenario,
    string Setup,
    MetricSet Metrics,
    string MainMetric,
    double Bar,
    PeerResult? Peer,
    IReadOnlyList<string> Notes)
{
    /// <summary>Extra lines printed after the metric table (e.g. a curve over the run); null for none.</summary>
    public IReadOnlyList<string>? Table { get; init; }

    /// <summary>Ours over the peer's main metric; null without a peer.</summary>
    public double? Ratio => Peer is null ? null : Metrics[MainMetric] / Peer.Metrics[MainMetric];
}
