namespace Cep.Benchmarks;

/// <summary>What the peer system did in the same run, described well enough to judge the comparison.</summary>
internal sealed record PeerResult(string Name, string Setup, MetricSet Metrics);
