namespace Cep.Benchmarks;

/// <summary>The window-count event: a key (one of 10 K) and an event time in ms.</summary>
internal readonly record struct Click(int Key, long Timestamp);
