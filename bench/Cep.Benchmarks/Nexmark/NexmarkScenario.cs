using System.Buffers;
using System.Buffers.Binary;
using Cep.Engine.Runtime;
using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;
using MemoryPack;

namespace Cep.Benchmarks.Nexmark;

/// <summary>
/// One Nexmark query read from the log: the generator's events are written to the persons,
/// auctions and bids topics (2 partitions each, MemoryPack values, keys as 8-byte longs)
/// untimed; then the query runs to the end of its inputs (a bounded run) and is timed. The
/// output is checked against a plain LINQ computation over the same events.
/// </summary>
internal sealed class NexmarkScenario(string query) : IScenario
{
    private const int Partitions = 2;
    private const int EventsPerMs = 100;
    private static readonly long StartMs = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public string Name => $"nexmark-{query}";

    public string Description => $"Nexmark {query} from the log, MemoryPack serde, 2 partitions, bounded run";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        int events = quick ? 2_000_000 : 10_000_000;
        using var directory = new TempDirectory(Name);
        using var store = TopicStore.Open(directory.Path);
        var (bids, persons, auctions) = Generate(store, events, Partitions);
        long read = query is "q3" or "q8" ? persons + auctions : bids;
        var (wall, cpu, outputs, check) = await RunQueryAsync(store, Name, query, events, Partitions, new QueryOptions { StopAtEnd = true });
        var metrics = new MetricSet()
            .Add("events_per_s_per_core", read / cpu.TotalSeconds)
            .Add("events_per_s", read / wall.TotalSeconds)
            .Add("events", read)
            .Add("output_records", outputs)
            .Add("elapsed_s", wall.TotalSeconds)
            .Add("cpu_cores_used", cpu / wall);
        bool heavy = query is "q3" or "q5" or "q7" or "q8";
        return new ScenarioResult(
            Name,
            $"{events:N0} generated events ({read:N0} read by the query: {(query is "q3" or "q8" ? "persons and auctions" : "bids")}), {Partitions} partitions, {EventsPerMs} events per ms of event time, MemoryPack values; timed: the bounded query run (read, decode, graph, encode, append)",
            metrics,
            "events_per_s_per_core",
            heavy ? 300_000 : 1_000_000,
            null,
            [
                "events_per_s_per_core = events read / process CPU seconds (every thread); events_per_s = events / wall time on this 2-core machine.",
                heavy
                    ? "Flink's published Nexmark figures: 12–34 K events/s per core for q4–q7 (no peer runs here)."
                    : "Flink's published Nexmark figures: ~150–175 K events/s per core for q0–q2 (no peer runs here).",
                $"output check against LINQ over the same events: {check}",
                "output topic: flush.policy=os (written through the page cache, as the inputs).",
            ]);
    }

    /// <summary>
    /// Runs <paramref name="query"/> as <paramref name="name"/> (its own repartition topics) into
    /// a fresh output topic, timed, and checks the output against LINQ over the same events.
    /// </summary>
    internal static async Task<(TimeSpan Wall, TimeSpan Cpu, long Outputs, string Check)> RunQueryAsync(TopicStore store, string name, string query, int events, int partitions, QueryOptions options)
    {
        if (store.ListTopics().Contains(NexmarkQueries.Output))
        {
            store.DeleteTopic(NexmarkQueries.Output);
        }
        store.CreateTopic(NexmarkQueries.Output, partitions, config: [new("flush.policy", "os"), new("segment.bytes", "536870912")]);
        var watch = CpuWatch.Start();
        await QueryRunner.RunAsync(name, NexmarkQueries.Get(query), new EmbeddedTopicLog(store), options);
        var (wall, cpu) = watch.Elapsed();
        long outputs = Enumerable.Range(0, partitions).Sum(p => store.GetPartition(NexmarkQueries.Output, p).LogEndOffset);
        return (wall, cpu, outputs, NexmarkCheck.Verify(query, store, partitions, () => Regenerate(events)));
    }

    /// <summary>Writes the events to the three input topics; returns how many of each kind.</summary>
    internal static (long Bids, long Persons, long Auctions) Generate(TopicStore store, int events, int partitions)
    {
        var config = new[] { new KeyValuePair<string, string>("flush.policy", "os"), new("segment.bytes", "536870912") };
        foreach (string topic in new[] { NexmarkQueries.Persons, NexmarkQueries.Auctions, NexmarkQueries.Bids })
        {
            store.CreateTopic(topic, partitions, config: config);
        }
        var writer = new TopicWriter(store, partitions);
        long bids = 0, persons = 0, auctions = 0;
        var generator = new NexmarkGenerator(StartMs, EventsPerMs);
        for (int i = 0; i < events; i++)
        {
            var (person, auction, bid, timestamp) = generator.Next();
            if (bid is not null)
            {
                writer.Add(NexmarkQueries.Bids, bid.Auction, bid, timestamp);
                bids++;
            }
            else if (auction is not null)
            {
                writer.Add(NexmarkQueries.Auctions, auction.Seller, auction, timestamp);
                auctions++;
            }
            else
            {
                writer.Add(NexmarkQueries.Persons, person!.Id, person, timestamp);
                persons++;
            }
        }
        writer.Flush();
        // Make the inputs durable now, so their rolled segments' background fsyncs do not run
        // (and count as CPU) inside the timed query.
        foreach (string topic in new[] { NexmarkQueries.Persons, NexmarkQueries.Auctions, NexmarkQueries.Bids })
        {
            for (int p = 0; p < partitions; p++)
            {
                store.GetPartition(topic, p).Flush();
            }
        }
        return (bids, persons, auctions);
    }

    private static IEnumerable<(Person? Person, Auction? Auction, Bid? Bid, long Timestamp)> Regenerate(int events)
    {
        var generator = new NexmarkGenerator(StartMs, EventsPerMs);
        for (int i = 0; i < events; i++)
        {
            yield return generator.Next();
        }
    }

    /// <summary>Batches records per topic partition, keyed by a long, partitioned by murmur2 like any producer.</summary>
    private sealed class TopicWriter(TopicStore store, int partitions)
    {
        private readonly Dictionary<(string, int), RecordBatchBuilder> _builders = [];
        private readonly ArrayBufferWriter<byte> _value = new();
        private readonly byte[] _key = new byte[8];

        public void Add<T>(string topic, long key, T value, long timestamp)
        {
            BinaryPrimitives.WriteInt64BigEndian(_key, key);
            int partition = Murmur2Partitioner.Partition(_key, partitions);
            if (!_builders.TryGetValue((topic, partition), out var builder))
            {
                builder = new RecordBatchBuilder();
                _builders[(topic, partition)] = builder;
            }
            _value.ResetWrittenCount();
            MemoryPackSerializer.Serialize(_value, value);
            builder.Add(timestamp, _key, _value.WrittenSpan);
            if (builder.Count == 1000)
            {
                Append(topic, partition, builder);
            }
        }

        public void Flush()
        {
            foreach (var ((topic, partition), builder) in _builders)
            {
                if (builder.Count > 0)
                {
                    Append(topic, partition, builder);
                }
            }
        }

        private void Append(string topic, int partition, RecordBatchBuilder builder)
        {
            store.GetPartition(topic, partition).AppendAsync(builder.Build()).AsTask().GetAwaiter().GetResult();
            builder.Reset();
        }
    }
}
