using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>A Nexmark bid: a price (in cents) a bidder offers on an auction.</summary>
[MemoryPackable]
public sealed partial record Bid(long Auction, long Bidder, long Price, string Channel, string Url, long DateTime, string Extra);
