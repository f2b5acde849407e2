using System.Text;
using Cep.Broker.Groups;
using Cep.Cli.Commands;
using Cep.Engine;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.Time;
using Cep.Engine.Windows;
using Cep.Storage.Records;
using Cep.Storage.Topics;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cep.IntegrationTests;

/// <summary>
/// Queries as consumer groups, in-process: two workers of one query share its tasks through the
/// broker's coordinator, tasks move cooperatively (only the moved ones restart, from their
/// checkpoints), and the output is exactly what one worker alone writes.
/// </summary>
public sealed class QueryGroupTests
{
    private static readonly Action<QueryContext> Upper = query =>
        query.Topic("in", Serde.Utf8String).Select(v => v.ToUpperInvariant()).To("out", Serde.Utf8String);

    [Fact]
    public async Task A_second_worker_takes_half_the_tasks_only_those_move_and_when_it_leaves_they_come_back_exactly_once()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("in", 6);
        store.CreateTopic("out", 6);
        await using var coordinator = new GroupCoordinator(store, new GroupCoordinatorOptions { TickInterval = TimeSpan.FromMilliseconds(20) });
        var log = new EmbeddedTopicLog(store);
        var options = new QueryOptions { StateDirectory = directory.Combine("state"), CheckpointInterval = TimeSpan.FromMilliseconds(200) };
        await AppendAsync(store, 0, 60);

        using var stopA = new CancellationTokenSource();
        var a = Member(log, options, coordinator, "a");
        var runningA = a.RunAsync(stopA.Token);
        await Until(() => a.Worker.Running.Count == 6);
        await Until(() => OutputCount(store) == 60);

        using var stopB = new CancellationTokenSource();
        var b = Member(log, options, coordinator, "b");
        var runningB = b.RunAsync(stopB.Token);
        await Until(() => a.Worker.Running.Count == 3 && b.Worker.Running.Count == 3);
        var kept = a.Worker.Running.ToList();
        Assert.All(kept, t => Assert.Equal(1, a.Worker.StartCount(t)));          // never stopped
        Assert.All(b.Worker.Running, t => Assert.Equal(1, b.Worker.StartCount(t)));
        Assert.Empty(kept.Intersect(b.Worker.Running));

        await AppendAsync(store, 60, 60);
        await Until(() => OutputCount(store) == 120);

        // b leaves (its tasks checkpoint): a takes them back from those checkpoints.
        await stopB.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runningB);
        await Until(() => a.Worker.Running.Count == 6);
        Assert.All(kept, t => Assert.Equal(1, a.Worker.StartCount(t)));
        Assert.All(Enumerable.Range(0, 6).Except(kept), t => Assert.Equal(2, a.Worker.StartCount(t)));
        await AppendAsync(store, 120, 60);
        await Until(() => OutputCount(store) == 180);

        await stopA.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runningA);
        // Exactly once: every input record became one output record, none twice.
        Assert.Equal(Enumerable.Range(0, 180).Select(i => $"VALUE {i}").Order(), TopicValues.Of(store, "out").Order());
    }

    [Fact]
    public async Task Workers_share_a_query_through_the_kafka_protocol_and_when_one_stops_the_other_takes_its_tasks_exactly_once()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("in", 6);
        store.CreateTopic("out", 6);
        await using var broker = await Cep.Broker.KafkaBroker.StartAsync(store, new Cep.Broker.BrokerOptions
        {
            Listen = new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0),
            Groups = new GroupCoordinatorOptions { TickInterval = TimeSpan.FromMilliseconds(20), MinSessionTimeout = TimeSpan.FromMilliseconds(500) },
        });
        var log = new EmbeddedTopicLog(store);
        var options = new QueryOptions { StateDirectory = directory.Combine("state"), CheckpointInterval = TimeSpan.FromMilliseconds(200) };
        await using var overWireA = new ProtocolMembership("127.0.0.1", broker.Port, "a") { SessionTimeout = TimeSpan.FromSeconds(2) };
        await using var overWireB = new ProtocolMembership("127.0.0.1", broker.Port, "b") { SessionTimeout = TimeSpan.FromSeconds(2) };
        var a = new QueryMember(new QueryWorker("upper", Upper, log, options), "upper", overWireA, NullLogger.Instance) { HeartbeatInterval = TimeSpan.FromMilliseconds(100) };
        var b = new QueryMember(new QueryWorker("upper", Upper, log, options), "upper", overWireB, NullLogger.Instance) { HeartbeatInterval = TimeSpan.FromMilliseconds(100) };
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runningA = a.RunAsync(stopA.Token);
        var runningB = b.RunAsync(stopB.Token);
        await Until(() => a.Worker.Running.Count == 3 && b.Worker.Running.Count == 3);
        Assert.Equal(Cep.Broker.Groups.GroupState.Stable, broker.Groups.Describe("upper").State);
        await AppendAsync(store, 0, 60);
        await Until(() => OutputCount(store) == 60);

        stopA.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runningA);
        await Until(() => b.Worker.Running.Count == 6);
        await AppendAsync(store, 60, 60);
        await Until(() => OutputCount(store) == 120);
        stopB.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runningB);
        Assert.Equal(Enumerable.Range(0, 120).Select(i => $"VALUE {i}").Order(), TopicValues.Of(store, "out").Order());
    }

    [Fact]
    public async Task A_standby_keeps_a_warm_copy_of_another_members_task_which_takes_it_over_from_there_exactly_once()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("in", 6);
        store.CreateTopic("out", 6);
        await using var coordinator = new GroupCoordinator(store, new GroupCoordinatorOptions { TickInterval = TimeSpan.FromMilliseconds(20) });
        var log = new EmbeddedTopicLog(store);
        // Per last digit, the sum of every 7 numbers in a row: a sum depends on where its
        // window started, so state lost or restored wrong shows in the output.
        Action<QueryContext> counts = query => query.Topic("in", Serde.Utf8String)
            .KeyBy(v => v[^1])
            .Window(CountWindows.Tumbling(7))
            .Sum(v => long.Parse(v[6..], System.Globalization.CultureInfo.InvariantCulture))
            .Select(r => $"{r.Key} {r.Value}")
            .To("out", Serde.Utf8String);
        QueryMember Member(string name) => new(
            new QueryWorker("counts", counts, log, new QueryOptions { StateDirectory = directory.Combine(name), CheckpointInterval = TimeSpan.FromMilliseconds(100), Changelog = true, StandbyReplicas = 1 }),
            "counts",
            new CoordinatorMembership(coordinator, name) { SessionTimeout = TimeSpan.FromSeconds(6) },
            NullLogger.Instance)
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        };
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var a = Member("a");
        var runningA = a.RunAsync(stopA.Token);
        await Until(() => a.Worker.Running.Count == 6);
        var b = Member("b");
        var runningB = b.RunAsync(stopB.Token);
        await Until(() => a.Worker.Running.Count == 3 && b.Worker.Running.Count == 3);
        await Until(() => a.Worker.Standbys.SequenceEqual(b.Worker.Running) && b.Worker.Standbys.SequenceEqual(a.Worker.Running));

        await AppendAsync(store, 0, 600);
        var ofA = a.Worker.Running.ToList();
        // b's standbys of a's tasks follow their changelog into b's own state directory, checkpointed there.
        await Until(() => ofA.All(t => Directory.Exists(Path.Combine(directory.Combine("b"), "counts", $"task-{t}", "checkpoints"))
            && Directory.GetDirectories(Path.Combine(directory.Combine("b"), "counts", $"task-{t}", "checkpoints")).Length > 0));

        await stopA.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runningA);
        await Until(() => b.Worker.Running.Count == 6 && b.Worker.Standbys.Count == 0);
        // More events: every window a left half full goes on from its state.
        await AppendAsync(store, 600, 240);
        var expected = Enumerable.Range(0, 840).GroupBy(i => (Partition: i % 6, Digit: i % 10))
            .SelectMany(g => g.Chunk(7).Where(c => c.Length == 7).Select(c => $"{g.Key.Digit} {c.Sum()}"))
            .Order().ToList();
        await Until(() => TopicValues.Of(store, "out").Count >= expected.Count);
        await stopB.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runningB);
        Assert.Equal(expected, TopicValues.Of(store, "out").Order().ToList());
    }

    public sealed record Order(string Customer, int Amount, long At);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task A_query_that_rekeys_by_another_field_gives_the_same_result_with_1_2_and_4_workers(int workers)
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("orders", 4);
        store.CreateTopic("totals", 4);
        await using var coordinator = new GroupCoordinator(store, new GroupCoordinatorOptions { TickInterval = TimeSpan.FromMilliseconds(20) });
        var log = new EmbeddedTopicLog(store);
        var options = new QueryOptions { StateDirectory = directory.Combine("state"), CheckpointInterval = TimeSpan.FromMilliseconds(300) };
        var random = new Random(5);
        string[] customers = ["alice", "bob", "carol", "dave", "erin"];
        long start = 1_700_000_000_000;
        var orders = Enumerable.Range(0, 600).Select(i => new Order(customers[random.Next(customers.Length)], random.Next(1, 100), start + i * 400)).ToList();
        var expected = orders.GroupBy(o => (o.Customer, Minute: o.At - o.At % 60_000))
            .Select(g => $"{g.Key.Customer} {g.Key.Minute} {g.Sum(o => o.Amount)}").Order().ToList();

        Action<QueryContext> totals = query => query
            .Topic("orders", Serde.Json<Order>(), WatermarkStrategy<Order>.ForMonotonicTimestamps().WithTimestampAssigner(o => o.At))
            .RepartitionBy(o => o.Customer, Serde.Utf8String, Serde.Json<Order>())
            .Window(TimeWindows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(o => (long)o.Amount)
            .Select(r => $"{r.Key} {r.Window.Start} {r.Value}")
            .To("totals", Serde.Utf8String);
        using var stop = new CancellationTokenSource();
        var members = Enumerable.Range(0, workers).Select(i => new QueryMember(
            new QueryWorker("totals", totals, log, options), "totals", new CoordinatorMembership(coordinator, $"w{i}") { SessionTimeout = TimeSpan.FromSeconds(6) }, NullLogger.Instance)
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        }).ToList();
        var running = members.Select(m => m.RunAsync(stop.Token)).ToList();
        // The group settles first (every worker with its share of the 4 tasks), then the data comes.
        await Until(() => members.All(m => m.Worker.Running.Count == 4 / workers));
        // Spread by order number (each customer's orders on every partition), in time order per partition,
        // then one far-future order per partition so every real window closes.
        for (int partition = 0; partition < 4; partition++)
        {
            var batch = new RecordBatchBuilder();
            foreach (var order in orders.Where((_, i) => i % 4 == partition).Append(new Order("end", 0, start + 3_600_000)))
            {
                batch.AddWithoutKey(order.At, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(order, System.Text.Json.JsonSerializerOptions.Web));
            }
            await store.GetPartition("orders", partition).AppendAsync(batch.Build().ToArray());
        }
        await Until(() => TopicValues.Of(store, "totals").Count >= expected.Count);
        await stop.CancelAsync();
        foreach (var member in running)
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => member);
        }
        Assert.Equal(expected, TopicValues.Of(store, "totals").Order().ToList());
        Assert.All(members, m => Assert.True(m.Rebalances >= 1));
    }

    private static QueryMember Member(ITopicLog log, QueryOptions options, GroupCoordinator coordinator, string name) =>
        new(new QueryWorker("upper", Upper, log, options), "upper", new CoordinatorMembership(coordinator, name) { SessionTimeout = TimeSpan.FromSeconds(6) }, NullLogger.Instance)
        {
            HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        };

    private static async Task AppendAsync(TopicStore store, int from, int count)
    {
        for (int partition = 0; partition < 6; partition++)
        {
            var batch = new RecordBatchBuilder();
            for (int i = from + partition; i < from + count; i += 6)
            {
                batch.AddWithoutKey(1_700_000_000_000 + i, Encoding.UTF8.GetBytes($"value {i}"));
            }
            await store.GetPartition("in", partition).AppendAsync(batch.Build().ToArray());
        }
    }

    private static long OutputCount(TopicStore store) => Enumerable.Range(0, 6).Sum(p => store.GetPartition("out", p).LogEndOffset);

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "not within 60 s");
            await Task.Delay(50);
        }
    }
}
