using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>q5's rows: an auction's bid count in a window (first stage), and the hottest auction of the window (output).</summary>
[MemoryPackable]
public sealed partial record HotItem(long Auction, long Count, long WindowStart);
