namespace Cep.Benchmarks.Patterns;

/// <summary>The pattern scenarios' event: a key, an event time in ms and a kind ('A', 'B', 'C' or 'D' for noise).</summary>
internal readonly record struct Tick(int Key, long Timestamp, char Kind);
