using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>q2's output row.</summary>
[MemoryPackable]
public sealed partial record AuctionPrice(long Auction, long Price);
