using System.Text;
using System.Text.Json;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.Time;
using Cep.Engine.Windows;
using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Engine.Tests.Runtime;

/// <summary>Queries end to end through the embedded log: produce, run, consume the output topic.</summary>
public sealed class QueryRunnerTests
{
    private const long Minute = 60_000;
    private static readonly DateTimeOffset Start = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);

    public sealed record Order(string Customer, int Amount, long At);

    /// <summary>The query both windowed tests run: each customer's spend per minute, as "customer,windowStart,sum", keyed by customer.</summary>
    private static void SumPerMinute(KeyedStream<string, Order> orders, string output) =>
        orders.Window(TimeWindows.Tumbling(TimeSpan.FromMinutes(1)))
            .Sum(o => (long)o.Amount)
            .Select(r => $"{r.Key},{r.Window.Start},{r.Value}")
            .To(output, line => line.Split(',')[0], Serde.Utf8String, Serde.Utf8String);

    /// <summary>The same rows computed by a plain group-by.</summary>
    private static List<string> ExpectedSumsPerMinute(IEnumerable<Order> orders) => orders
        .GroupBy(o => (o.Customer, WindowStart: o.At - o.At % Minute))
        .Select(g => $"{g.Key.Customer},{g.Key.WindowStart},{g.Sum(o => o.Amount)}")
        .Order()
        .ToList();

    [Fact]
    public async Task A_windowed_count_over_a_partitioned_topic_writes_the_expected_rows()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("orders", 3);
        store.CreateTopic("spend-per-minute", 3);
        var random = new Random(5);
        string[] customers = ["alice", "bob", "carol", "dave", "erin"];
        var orders = Enumerable.Range(0, 600)
            .Select(i => new Order(customers[random.Next(customers.Length)], random.Next(1, 100), Start.ToUnixTimeMilliseconds() + i * 1000 + random.Next(0, 3000)))
            .ToList();
        await TopicData.Produce(store, "orders", orders.Select(o => ((string?)o.Customer, JsonSerializer.Serialize(o, JsonSerializerOptions.Web), o.At)));

        await QueryRunner.RunAsync("spend", query => SumPerMinute(
            query.Topic("orders", Serde.Json<Order>(), WatermarkStrategy<Order>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(5)).WithTimestampAssigner(o => o.At))
                .KeyBy(o => o.Customer), "spend-per-minute"), new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true });

        var output = TopicData.Consume(store, "spend-per-minute");
        Assert.Equal(ExpectedSumsPerMinute(orders), output.Select(r => r.Value!).Order().ToList());
        Assert.All(output, r => Assert.Equal(r.Key, r.Value!.Split(',')[0]));
        Assert.All(output, r => Assert.Equal(long.Parse(r.Value!.Split(',')[1]) + Minute - 1, r.Timestamp));
    }

    [Fact]
    public async Task A_record_that_does_not_deserialize_stops_the_query_naming_topic_partition_and_offset()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("orders", 1);
        store.CreateTopic("out", 1);
        await TopicData.Produce(store, "orders", [(null, """{"customer":"a","amount":1,"at":1}""", 1), (null, "not json", 2)]);
        var error = await Assert.ThrowsAsync<QueryFailedException>(() => QueryRunner.RunAsync("q", query =>
            query.Topic("orders", Serde.Json<Order>()).Select(o => o.Customer).To("out", Serde.Utf8String),
            new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true }));
        Assert.StartsWith("query 'q' task 0 stopped: cannot read the record at orders/0 offset 1: not a valid Order in JSON", error.Message);
        Assert.Equal(["a"], TopicData.Consume(store, "out").Select(r => r.Value));
    }

    [Fact]
    public async Task Under_the_dead_letter_policy_bad_records_are_kept_with_the_error_and_the_query_goes_on()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("orders", 1);
        store.CreateTopic("out", 1);
        store.CreateTopic("orders-dlq", 1);
        await TopicData.Produce(store, "orders", [("k1", """{"customer":"a","amount":1,"at":1}""", 1), ("k2", "{oops", 2), (null, """{"customer":"b","amount":2,"at":3}""", 3)]);
        await QueryRunner.RunAsync("q", query =>
            query.Topic("orders", Serde.Json<Order>()).Select(o => o.Customer).To("out", Serde.Utf8String),
            new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true, OnBadRecord = ErrorPolicy.DeadLetter, DeadLetterTopic = "orders-dlq" });
        Assert.Equal(["a", "b"], TopicData.Consume(store, "out").Select(r => r.Value));
        var dead = Assert.Single(TopicData.Consume(store, "orders-dlq"));
        Assert.Equal(("k2", "{oops", 2L), (dead.Key, dead.Value, dead.Timestamp));
        Assert.Equal("orders/0/1", TopicData.Text(dead.Headers.Single(h => h.Key == "cep.origin").Value));
        Assert.StartsWith("not a valid Order in JSON", TopicData.Text(dead.Headers.Single(h => h.Key == "cep.error").Value));
    }

    [Fact]
    public async Task Two_inputs_are_merged_in_timestamp_order_whatever_their_offsets()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("left", 1);
        store.CreateTopic("right", 1);
        store.CreateTopic("merged", 1);
        await TopicData.Produce(store, "left", [(null, "l1", 10), (null, "l2", 30), (null, "l3", 50)]);
        await TopicData.Produce(store, "right", [(null, "r1", 20), (null, "r2", 30), (null, "r3", 40)]);
        await QueryRunner.RunAsync("merge", query =>
            query.Topic("left", Serde.Utf8String).Merge(query.Topic("right", Serde.Utf8String)).To("merged", Serde.Utf8String),
            new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true });
        // Ties (30) go to the earlier input.
        Assert.Equal(["l1", "r1", "l2", "r2", "r3", "l3"], TopicData.Consume(store, "merged").Select(r => r.Value));
    }

    [Fact]
    public async Task Inputs_with_different_partition_counts_are_refused()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("a", 2);
        store.CreateTopic("b", 3);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => QueryRunner.RunAsync("q", query =>
            query.Topic("a", Serde.Utf8String).Merge(query.Topic("b", Serde.Utf8String)).To("a", Serde.Utf8String),
            new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true }));
        Assert.Contains("'a' has 2, 'b' has 3", error.Message);
    }

    [Fact]
    public async Task Repartitioning_brings_every_event_of_a_key_to_one_task_with_its_watermarks()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("orders", 3);
        store.CreateTopic("per-customer", 3);
        var random = new Random(11);
        string[] customers = ["alice", "bob", "carol", "dave"];
        var orders = Enumerable.Range(0, 400)
            .Select(i => new Order(customers[random.Next(customers.Length)], random.Next(1, 50), Start.ToUnixTimeMilliseconds() + i * 500))
            .ToList();
        // Keyed by order number, so one customer's orders are spread over all three partitions.
        await TopicData.Produce(store, "orders", orders.Select((o, i) => ((string?)$"order-{i}", JsonSerializer.Serialize(o, JsonSerializerOptions.Web), o.At)));

        await QueryRunner.RunAsync("totals", query => SumPerMinute(
            query.Topic("orders", Serde.Json<Order>(), WatermarkStrategy<Order>.ForMonotonicTimestamps().WithTimestampAssigner(o => o.At))
                .RepartitionBy(o => o.Customer, Serde.Utf8String, Serde.Json<Order>()), "per-customer"), new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true });

        Assert.Equal(ExpectedSumsPerMinute(orders), TopicData.Consume(store, "per-customer").Select(r => r.Value!).Order().ToList());
        Assert.Contains("totals-repartition-0", store.ListTopics());
    }

    [Fact]
    public async Task User_code_that_throws_under_the_dead_letter_policy_skips_the_event_and_records_the_failure()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("orders", 1);
        store.CreateTopic("out", 1);
        store.CreateTopic("dlq", 1);
        await TopicData.Produce(store, "orders", [(null, """{"customer":"a","amount":1,"at":1}""", 1), (null, """{"customer":"","amount":2,"at":2}""", 2), (null, """{"customer":"c","amount":3,"at":3}""", 3)]);
        await QueryRunner.RunAsync("q", query =>
            query.Topic("orders", Serde.Json<Order>())
                .KeyBy(o => o.Customer.Length > 0 ? o.Customer : throw new ArgumentException("empty customer"))
                .Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(1)))
                .Count()
                .Select(r => $"{r.Key}={r.Value}")
                .To("out", Serde.Utf8String),
            new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true, OnBadRecord = ErrorPolicy.DeadLetter, DeadLetterTopic = "dlq" });
        Assert.Equal(["a=1", "c=1"], TopicData.Consume(store, "out").Select(r => r.Value));
        var dead = Assert.Single(TopicData.Consume(store, "dlq"));
        Assert.Null(dead.Value);
        Assert.Equal("orders/0/1", TopicData.Text(dead.Headers.Single(h => h.Key == "cep.origin").Value));
        Assert.Equal("operator 'KeyBy' failed on orders/0 offset 1: empty customer", TopicData.Text(dead.Headers.Single(h => h.Key == "cep.error").Value));
    }

    public sealed record Payment(string Customer, int Amount, long At);

    [Fact]
    public async Task A_windowed_join_of_two_topics_through_the_log_matches_a_nested_loop_join()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("orders", 2);
        store.CreateTopic("payments", 2);
        store.CreateTopic("paid", 2);
        var random = new Random(3);
        string[] customers = ["alice", "bob", "carol"];
        long start = Start.ToUnixTimeMilliseconds();
        var orders = Enumerable.Range(0, 200).Select(i => new Order(customers[random.Next(3)], i, start + i * 1000)).ToList();
        var payments = Enumerable.Range(0, 200).Select(i => new Payment(customers[random.Next(3)], i, start + i * 1000 + random.Next(-3000, 3000))).OrderBy(p => p.At).ToList();
        await TopicData.Produce(store, "orders", orders.Select(o => ((string?)o.Customer, JsonSerializer.Serialize(o, JsonSerializerOptions.Web), o.At)));
        await TopicData.Produce(store, "payments", payments.Select(p => ((string?)p.Customer, JsonSerializer.Serialize(p, JsonSerializerOptions.Web), p.At)));

        await QueryRunner.RunAsync("paid", query =>
        {
            var o = query.Topic("orders", Serde.Json<Order>(), WatermarkStrategy<Order>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(5)).WithTimestampAssigner(x => x.At)).KeyBy(x => x.Customer);
            var p = query.Topic("payments", Serde.Json<Payment>(), WatermarkStrategy<Payment>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(5)).WithTimestampAssigner(x => x.At)).KeyBy(x => x.Customer);
            o.Join(p, Cep.Engine.Joins.JoinWindows.OfTimeDifference(TimeSpan.FromSeconds(2)), (order, payment) => $"{order.Customer}:{order.Amount}:{payment.Amount}")
                .To("paid", line => line.Split(':')[0], Serde.Utf8String, Serde.Utf8String);
        }, new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true });

        var expected = (from order in orders
                        from payment in payments
                        where order.Customer == payment.Customer && Math.Abs(order.At - payment.At) <= 2000
                        select $"{order.Customer}:{order.Amount}:{payment.Amount}").Order().ToList();
        Assert.NotEmpty(expected);
        Assert.Equal(expected, TopicData.Consume(store, "paid").Select(r => r.Value!).Order().ToList());
    }

    [Fact]
    public async Task A_silent_input_turns_idle_and_stops_holding_back_the_merge_of_a_running_query()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("busy", 1);
        store.CreateTopic("silent", 1);
        store.CreateTopic("merged", 1);
        await TopicData.Produce(store, "busy", [(null, "b1", 10), (null, "b2", 20)]);
        using var stop = new CancellationTokenSource();
        var running = QueryRunner.RunAsync("idle", query =>
            query.Topic("busy", Serde.Utf8String).Merge(query.Topic("silent", Serde.Utf8String)).To("merged", Serde.Utf8String),
            new EmbeddedTopicLog(store), new QueryOptions { InputIdleness = TimeSpan.FromMilliseconds(200) }, stop.Token);
        var merged = store.GetPartition("merged", 0);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (merged.LogEndOffset < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
        Assert.Equal(["b1", "b2"], TopicData.Consume(store, "merged").Select(r => r.Value));
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }

    [Fact]
    public async Task Record_headers_travel_with_the_event_to_the_output()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("in", 1);
        store.CreateTopic("out", 1);
        var builder = new RecordBatchBuilder();
        builder.Add(5, null, Encoding.UTF8.GetBytes("hello"), [new RecordHeader("trace-id", Encoding.UTF8.GetBytes("abc123"))]);
        builder.Add(6, null, Encoding.UTF8.GetBytes("plain"));
        await store.GetPartition("in", 0).AppendAsync(builder.Build().ToArray());
        await QueryRunner.RunAsync("headers", query =>
            query.Topic("in", Serde.Utf8String).Select(s => s.ToUpperInvariant()).Where(s => s.Length > 0).To("out", Serde.Utf8String),
            new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true });
        var output = TopicData.Consume(store, "out");
        Assert.Equal(["HELLO", "PLAIN"], output.Select(r => r.Value));
        var header = Assert.Single(output[0].Headers);
        Assert.Equal(("trace-id", "abc123"), (header.Key, TopicData.Text(header.Value)));
        Assert.Empty(output[1].Headers);
        Assert.Equal([5L, 6L], output.Select(r => r.Timestamp));
    }
}
