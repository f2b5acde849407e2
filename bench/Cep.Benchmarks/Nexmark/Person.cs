using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>A Nexmark person: someone who sells or bids.</summary>
[MemoryPackable]
public sealed partial record Person(long Id, string Name, string EmailAddress, string CreditCard, string City, string State, long DateTime, string Extra);
