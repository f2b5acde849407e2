using Cep.Engine;
using Cep.Engine.Joins;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.Time;
using Cep.Engine.Windows;

namespace Cep.Benchmarks.Nexmark;

/// <summary>
/// The Nexmark queries in Cep's DSL, reading the generator's topics (bids keyed by auction,
/// auctions by seller, persons by id, so joins on those keys are co-partitioned) with
/// MemoryPack serdes and writing one output topic.
/// </summary>
internal static class NexmarkQueries
{
    public const string Bids = "bids";
    public const string Auctions = "auctions";
    public const string Persons = "persons";
    public const string Output = "output";

    private static readonly ISerde<Bid> BidSerde = Serde.MemoryPack<Bid>();

    public static Action<QueryContext> Get(string name) => name switch
    {
        "q0" => Q0,
        "q1" => Q1,
        "q2" => Q2,
        "q3" => Q3,
        "q5" => Q5,
        "q7" => Q7,
        "q8" => Q8,
        _ => throw new ArgumentException($"unknown Nexmark query '{name}'"),
    };

    /// <summary>q0: pass-through (the cost of reading, decoding, encoding and writing).</summary>
    public static void Q0(QueryContext query) => BidStream(query).To(Output, BidSerde);

    /// <summary>q1: currency conversion, dollars to euros (× 0.908).</summary>
    public static void Q1(QueryContext query) =>
        BidStream(query).Select(b => b with { Price = (long)(b.Price * 0.908) }).To(Output, BidSerde);

    /// <summary>q2: selection, the bids of every 123rd auction.</summary>
    public static void Q2(QueryContext query) =>
        BidStream(query).Where(b => b.Auction % 123 == 0).Select(b => new AuctionPrice(b.Auction, b.Price)).To(Output, Serde.MemoryPack<AuctionPrice>());

    /// <summary>
    /// q3: local item suggestion, an incremental join: each category-10 auction with its
    /// seller, if the seller lives in OR, ID or CA. Sellers form a table (latest person per id;
    /// a person always exists before their auctions), auctions are joined against it.
    /// </summary>
    public static void Q3(QueryContext query)
    {
        var sellers = PersonStream(query)
            .Where(p => p.State is "OR" or "ID" or "CA")
            .KeyBy(p => p.Id)
            .ToTable();
        AuctionStream(query)
            .Where(a => a.Category == 10)
            .KeyBy(a => a.Seller)
            .Join(sellers, (a, p) => new PersonAuction(p.Name, p.City, p.State, a.Id))
            .To(Output, Serde.MemoryPack<PersonAuction>());
    }

    /// <summary>q5: hot items, the auction with the most bids in each 10 s window sliding by 2 s.</summary>
    public static void Q5(QueryContext query)
    {
        var counts = BidStream(query)
            .KeyBy(b => b.Auction)
            .Window(TimeWindows.Hopping(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)))
            .Count()
            .Select(r => new HotItem(r.Key, r.Value, r.Window.Start));
        // Each task knows its own auctions; the hottest overall needs one place per window.
        counts.RepartitionBy(h => h.WindowStart, Serde.Int64, Serde.MemoryPack<HotItem>())
            .Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(2)))
            .Aggregate(new ArgMaxAggregator<HotItem>(h => h.Count))
            .Select(r => r.Value!)
            .To(Output, Serde.MemoryPack<HotItem>());
    }

    /// <summary>q7: highest bid in each 10 s tumbling window (per task first, then overall).</summary>
    public static void Q7(QueryContext query)
    {
        var windows = TimeWindows.Tumbling(TimeSpan.FromSeconds(10));
        BidStream(query)
            .KeyBy(_ => 0)
            .Window(windows)
            .Aggregate(new ArgMaxAggregator<Bid>(b => b.Price))
            .Select(r => new HighestBid(r.Window.Start, r.Value!.Auction, r.Value.Bidder, r.Value.Price, r.Value.DateTime))
            .RepartitionBy(h => h.WindowStart, Serde.Int64, Serde.MemoryPack<HighestBid>())
            .Window(windows)
            .Aggregate(new ArgMaxAggregator<HighestBid>(h => h.Price))
            .Select(r => r.Value!)
            .To(Output, Serde.MemoryPack<HighestBid>());
    }

    /// <summary>
    /// q8: monitor new users, a window join: people who registered and opened an auction in
    /// the same 10 s tumbling window. Both sides are reduced per key and window first, then
    /// joined on (id, window), which a zero time difference between window results expresses.
    /// </summary>
    public static void Q8(QueryContext query)
    {
        var windows = TimeWindows.Tumbling(TimeSpan.FromSeconds(10));
        var people = PersonStream(query).KeyBy(p => p.Id).Window(windows).First(p => p.Name)
            .Select(r => new NewUser(r.Key, r.Value, r.Window.Start));
        var sellers = AuctionStream(query).KeyBy(a => a.Seller).Window(windows).Count()
            .Select(r => new NewUser(r.Key, "", r.Window.Start));
        people.KeyBy(p => p.Id)
            .Join(sellers.KeyBy(s => s.Id), JoinWindows.OfTimeDifference(TimeSpan.Zero), (p, _) => p)
            .To(Output, Serde.MemoryPack<NewUser>());
    }

    private static Stream<Person> PersonStream(QueryContext query) =>
        query.Topic(Persons, Serde.MemoryPack<Person>(), WatermarkStrategy<Person>.ForBoundedOutOfOrderness(TimeSpan.Zero).WithTimestampAssigner(p => p.DateTime));

    private static Stream<Auction> AuctionStream(QueryContext query) =>
        query.Topic(Auctions, Serde.MemoryPack<Auction>(), WatermarkStrategy<Auction>.ForBoundedOutOfOrderness(TimeSpan.Zero).WithTimestampAssigner(a => a.DateTime));

    private static Stream<Bid> BidStream(QueryContext query) =>
        query.Topic(Bids, BidSerde, WatermarkStrategy<Bid>.ForBoundedOutOfOrderness(TimeSpan.Zero).WithTimestampAssigner(b => b.DateTime));
}
