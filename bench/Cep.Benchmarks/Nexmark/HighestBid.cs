using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>q7's rows: the highest bid of a 10 s window (per task in the first stage, overall in the output).</summary>
[MemoryPackable]
public sealed partial record HighestBid(long WindowStart, long Auction, long Bidder, long Price, long DateTime);
