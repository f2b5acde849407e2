namespace Cep.Benchmarks.Nexmark;

/// <summary>
/// Nexmark events as the specification lays them out: of every 50 events, 1 person, 3
/// auctions and 46 bids, in that order; person and auction ids count up from 1000; event time
/// advances by a fixed step per event. Bids go mostly to recent ("hot") auctions from recent
/// bidders; prices are log-uniform from $1 to $10 000 (in cents); auctions last 10–20 s; the
/// 5 categories count from 10. Extra text pads a bid to about 150 bytes binary. Seeded, so a
/// run is repeatable. Owned by one thread.
/// </summary>
internal sealed class NexmarkGenerator(long startMs, int eventsPerMs, int seed = 42)
{
    public const long FirstId = 1000;
    private const int HotWindow = 100;
    private static readonly string[] Channels = ["Google", "Facebook", "Baidu", "Apple"];
    private static readonly string[] Cities = ["Phoenix", "Los Angeles", "San Francisco", "Boise", "Portland", "Bend", "Redmond", "Seattle", "Kent", "Cheyenne"];
    private static readonly string[] States = ["AZ", "CA", "ID", "OR", "WA", "WY"];
    private static readonly string[] FirstNames = ["Peter", "Paul", "Luke", "John", "Saul", "Vicky", "Kate", "Julie", "Sarah", "Deiter", "Walter"];
    private static readonly string[] LastNames = ["Shultz", "Abrams", "Spencer", "White", "Bartels", "Walton", "Smith", "Jones", "Noris"];

    private readonly Random _random = new(seed);
    private long _next;

    /// <summary>The next event: exactly one of the three is non-null.</summary>
    public (Person? Person, Auction? Auction, Bid? Bid, long Timestamp) Next()
    {
        long n = _next++;
        long timestamp = startMs + n / eventsPerMs;
        long epoch = n / 50;
        int slot = (int)(n % 50);
        if (slot == 0)
        {
            return (NewPerson(FirstId + epoch, timestamp), null, null, timestamp);
        }
        if (slot <= 3)
        {
            return (null, NewAuction(FirstId + epoch * 3 + slot - 1, epoch, timestamp), null, timestamp);
        }
        return (null, null, NewBid(epoch, slot, timestamp), timestamp);
    }

    private Person NewPerson(long id, long timestamp)
    {
        string name = $"{FirstNames[_random.Next(FirstNames.Length)]} {LastNames[_random.Next(LastNames.Length)]}";
        return new Person(id, name, $"{name.Replace(' ', '.').ToLowerInvariant()}@example.com",
            $"{_random.Next(1000, 9999)} {_random.Next(1000, 9999)} {_random.Next(1000, 9999)} {_random.Next(1000, 9999)}",
            Cities[_random.Next(Cities.Length)], States[_random.Next(States.Length)], timestamp, Pad(20));
    }

    private Auction NewAuction(long id, long epoch, long timestamp)
    {
        long initial = Price();
        return new Auction(id, $"item-{id}", $"description of item {id}", initial, initial + _random.Next(0, 10_000),
            timestamp, timestamp + _random.Next(10_000, 20_000), Recent(FirstId + epoch, persons: true), 10 + _random.Next(5), Pad(20));
    }

    private Bid NewBid(long epoch, int slot, long timestamp)
    {
        long lastAuction = FirstId + epoch * 3 + Math.Min(slot, 3) - 1;
        return new Bid(Recent(lastAuction, persons: false), Recent(FirstId + epoch, persons: true), Price(),
            Channels[_random.Next(Channels.Length)], $"https://www.nexmark.com/item.htm?query=1&channel_id={_random.Next(100_000)}", timestamp, Pad(60));
    }

    /// <summary>Half the time one of the most recent ids (hot), else any id so far.</summary>
    private long Recent(long lastId, bool persons)
    {
        long count = lastId - FirstId + 1;
        long back = _random.Next(2) == 0 ? _random.NextInt64(Math.Min(count, HotWindow)) : _random.NextInt64(count);
        return persons ? lastId - back : Math.Max(FirstId, lastId - back);
    }

    private long Price() => (long)Math.Round(Math.Pow(10, _random.NextDouble() * 4) * 100);

    private string Pad(int averageLength) => new('x', _random.Next(averageLength / 2, averageLength * 3 / 2));
}
