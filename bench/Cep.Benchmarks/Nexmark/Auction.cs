using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>A Nexmark auction: an item a seller puts up, open until <see cref="Expires"/>.</summary>
[MemoryPackable]
public sealed partial record Auction(long Id, string ItemName, string Description, long InitialBid, long Reserve, long DateTime, long Expires, long Seller, long Category, string Extra);
