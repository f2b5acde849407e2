// Auctions on Nexmark-like bids: every 10 s of event time, the highest bid of each auction,
// and the bidders of the auctions that drew 3 or more bids in that window.
// Input: topic "bids", JSON lines {"auction","bidder","price","at"}; outputs: "highest-bids", "hot-auctions".
//
//   ./cep run examples/auctions.csx --input bids=examples/data/bids.jsonl --exit-when-caught-up
public sealed record Bid(long Auction, long Bidder, long Price, DateTimeOffset At);

var windows = Topic("bids", Serde.Json<Bid>(),
        WatermarkStrategy<Bid>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(2))
            .WithTimestampAssigner(b => b.At.ToUnixTimeMilliseconds()))
    .KeyBy(b => b.Auction)
    .Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(10)));
windows.Max(b => b.Price)
    .Select(r => $"auction {r.Key}: highest bid {r.Value} in {DateTimeOffset.FromUnixTimeMilliseconds(r.Window.Start):HH:mm:ss}+10s")
    .To("highest-bids", Serde.Utf8String);
windows.DistinctCount(b => b.Bidder)
    .Where(r => r.Value >= 3)
    .Select(r => $"auction {r.Key}: {r.Value} bidders in {DateTimeOffset.FromUnixTimeMilliseconds(r.Window.Start):HH:mm:ss}+10s")
    .To("hot-auctions", Serde.Utf8String);
