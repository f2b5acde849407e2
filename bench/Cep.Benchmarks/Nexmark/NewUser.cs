using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>q8's output row: a person who joined and opened an auction in the same 10 s window.</summary>
[MemoryPackable]
public sealed partial record NewUser(long Id, string Name, long WindowStart);
