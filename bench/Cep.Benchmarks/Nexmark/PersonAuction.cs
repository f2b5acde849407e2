using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>q3's output row: a seller in OR, ID or CA and one of their category-10 auctions.</summary>
[MemoryPackable]
public sealed partial record PersonAuction(string Name, string City, string State, long AuctionId);
