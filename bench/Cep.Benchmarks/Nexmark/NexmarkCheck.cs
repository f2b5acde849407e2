using Cep.Storage.Records;
using Cep.Storage.Topics;
using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>Checks a query's output topic against a plain LINQ-to-objects computation over the same generated events; throws on a mismatch.</summary>
internal static class NexmarkCheck
{
    public static string Verify(string query, TopicStore store, int partitions, Func<IEnumerable<(Person? Person, Auction? Auction, Bid? Bid, long Timestamp)>> events)
    {
        var bids = events().Where(e => e.Bid is not null).Select(e => e.Bid!);
        switch (query)
        {
            case "q0":
                return SameMultiset(bids, Read<Bid>(store, partitions), "every bid");
            case "q1":
                return SameMultiset(bids.Select(b => b with { Price = (long)(b.Price * 0.908) }), Read<Bid>(store, partitions), "every converted bid");
            case "q2":
                return SameMultiset(bids.Where(b => b.Auction % 123 == 0).Select(b => new AuctionPrice(b.Auction, b.Price)), Read<AuctionPrice>(store, partitions), "every selected bid");
            case "q5":
                var counts = bids
                    .SelectMany(b => new[] { b.DateTime - b.DateTime % 2000, b.DateTime - b.DateTime % 2000 - 2000, b.DateTime - b.DateTime % 2000 - 4000, b.DateTime - b.DateTime % 2000 - 6000, b.DateTime - b.DateTime % 2000 - 8000 }.Select(start => (b.Auction, Start: start)))
                    .GroupBy(x => x)
                    .Select(g => (g.Key.Auction, g.Key.Start, Count: (long)g.Count()))
                    .GroupBy(x => x.Start)
                    .Select(g => g.Max(x => x.Count));
                var hottest = Read<HotItem>(store, partitions).ToList();
                return Same(counts.Order(), hottest.Select(h => h.Count).Order(), "the top bid count of every window (ties may pick another auction)", ordered: true);
            case "q7":
                var highest = bids.GroupBy(b => b.DateTime - b.DateTime % 10_000).Select(g => (g.Key, g.Max(b => b.Price)));
                return Same(highest.Order(), Read<HighestBid>(store, partitions).Select(h => (h.WindowStart, h.Price)).Order(), "the highest price of every window", ordered: true);
            case "q3":
                var all = events().ToList();
                var sellers = all.Where(e => e.Person is { State: "OR" or "ID" or "CA" }).ToDictionary(e => e.Person!.Id, e => e.Person!);
                var suggestions = all.Where(e => e.Auction is { Category: 10 } && sellers.ContainsKey(e.Auction.Seller))
                    .Select(e => new PersonAuction(sellers[e.Auction!.Seller].Name, sellers[e.Auction.Seller].City, sellers[e.Auction.Seller].State, e.Auction.Id));
                return SameMultiset(suggestions, Read<PersonAuction>(store, partitions), "every suggestion");
            case "q8":
                var window = (long t) => t - t % 10_000;
                var joined = events().Where(e => e.Person is not null).Select(e => (e.Person!.Id, Start: window(e.Timestamp))).ToHashSet();
                var opened = events().Where(e => e.Auction is not null).Select(e => (Id: e.Auction!.Seller, Start: window(e.Timestamp))).ToHashSet();
                var newUsers = joined.Intersect(opened).Order();
                return Same(newUsers, Read<NewUser>(store, partitions).Select(u => (u.Id, u.WindowStart)).Order(), "every (person, window)", ordered: true);
            default:
                throw new ArgumentException($"no check for '{query}'");
        }
    }

    private static IEnumerable<T> Read<T>(TopicStore store, int partitions)
    {
        for (int p = 0; p < partitions; p++)
        {
            var log = store.GetPartition(NexmarkQueries.Output, p);
            long offset = 0;
            while (offset < log.LogEndOffset)
            {
                var fetch = log.Read(offset, 1 << 20);
                foreach (var batch in RecordBatch.ReadAll(fetch.Records))
                {
                    foreach (var record in batch)
                    {
                        yield return MemoryPackSerializer.Deserialize<T>(record.Value!.Value.Span)!;
                    }
                    offset = batch.LastOffset + 1;
                }
            }
        }
    }

    private static string Same<T>(IEnumerable<T> expected, IEnumerable<T> actual, string what, bool ordered)
    {
        var e = expected.ToList();
        var a = actual.ToList();
        if (!e.SequenceEqual(a))
        {
            throw new InvalidOperationException($"output differs from the LINQ reference on {what}: expected {e.Count} rows, got {a.Count}");
        }
        return $"{what}: {e.Count} rows match";
    }

    /// <summary>Order-independent: the count and the sum of the rows' value hashes (record equality) must agree.</summary>
    private static string SameMultiset<T>(IEnumerable<T> expected, IEnumerable<T> actual, string what)
        where T : notnull
    {
        var (expectedCount, expectedSum) = Fingerprint(expected);
        var (actualCount, actualSum) = Fingerprint(actual);
        if (expectedCount != actualCount || expectedSum != actualSum)
        {
            throw new InvalidOperationException($"output differs from the LINQ reference on {what}: expected {expectedCount} rows (hash sum {expectedSum}), got {actualCount} (hash sum {actualSum})");
        }
        return $"{what}: {expectedCount} rows match (count and hash sum)";
    }

    private static (long Count, long HashSum) Fingerprint<T>(IEnumerable<T> rows)
        where T : notnull
    {
        long count = 0, sum = 0;
        foreach (var row in rows)
        {
            count++;
            sum = unchecked(sum + row.GetHashCode());
        }
        return (count, sum);
    }
}
