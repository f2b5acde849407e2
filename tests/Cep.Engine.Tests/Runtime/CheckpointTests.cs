using System.Text.Json;
using Cep.Engine.Patterns;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.Time;
using Cep.Engine.Windows;
using Cep.Storage.Topics;

namespace Cep.Engine.Tests.Runtime;

/// <summary>Queries with checkpointed state: failing runs, restarts, and the output compared with an uninterrupted run.</summary>
public sealed class CheckpointTests
{
    private static readonly long Start = new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    public sealed record Order(string Customer, int Amount, long At);

    /// <summary>3,000 orders of <paramref name="customers"/> customers over 50 minutes, up to 4 s out of order.</summary>
    internal static async Task<TopicStore> OrdersStore(TempDirectory directory, int customers = 20)
    {
        var store = TopicStore.Open(directory.Path);
        store.CreateTopic("orders", 2);
        var random = new Random(11);
        var orders = Enumerable.Range(0, 3000)
            .Select(i => new Order($"c{random.Next(customers)}", random.Next(1, 100), Start + (i * 1000) + random.Next(0, 4000)));
        await TopicData.Produce(store, "orders", orders.Select(o => ((string?)o.Customer, JsonSerializer.Serialize(o, JsonSerializerOptions.Web), o.At)));
        return store;
    }

    /// <summary>
    /// Each customer's spend per minute (hopping 1 min / 30 s, final results), count per 5
    /// minutes, and a pattern: a big order followed by a small one within 2 minutes, and the
    /// big orders that timed out waiting for one; <paramref name="onEvent"/> sees every order first.
    /// </summary>
    internal static Action<QueryContext> SpendQuery(string output, Action<Order> onEvent) => query =>
    {
        var orders = query.Topic("orders", Serde.Json<Order>(), WatermarkStrategy<Order>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(5)).WithTimestampAssigner(o => o.At))
            .Select(o =>
            {
                onEvent(o);
                return o;
            })
            .KeyBy(o => o.Customer);
        orders.Window(TimeWindows.Hopping(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30)))
            .Sum(o => (long)o.Amount)
            .Select(r => $"{r.Key},{r.Window.Start},sum,{r.Value}")
            .To(output, line => line.Split(',')[0], Serde.Utf8String, Serde.Utf8String);
        orders.Window(TimeWindows.Tumbling(TimeSpan.FromMinutes(5)))
            .Count()
            .Select(r => $"{r.Key},{r.Window.Start},count,{r.Value}")
            .To(output, line => line.Split(',')[0], Serde.Utf8String, Serde.Utf8String);
        var bigThenSmall = orders.Pattern(Pattern<Order>.Begin("big").Where(o => o.Amount > 70)
            .FollowedBy("small").Where(o => o.Amount < 20)
            .Within(TimeSpan.FromMinutes(2)));
        bigThenSmall
            .Select(m => $"{m["big"][0].Customer},{m["big"][0].At},then,{m["small"][0].At}")
            .To(output, line => line.Split(',')[0], Serde.Utf8String, Serde.Utf8String);
        bigThenSmall.TimedOut
            .Select(t => $"{t.Key},{t.Events["big"][0].At},timed out,{t.Deadline}")
            .To(output, line => line.Split(',')[0], Serde.Utf8String, Serde.Utf8String);
    };

    internal static Action<Order> FailAt(int events)
    {
        int seen = 0;
        return _ =>
        {
            if (Interlocked.Increment(ref seen) == events)
            {
                throw new InvalidOperationException("injected failure");
            }
        };
    }

    [Fact]
    public async Task Failed_runs_resume_from_their_checkpoints_and_the_output_equals_an_uninterrupted_run()
    {
        using var directory = new TempDirectory();
        using var store = await OrdersStore(directory);
        store.CreateTopic("expected", 2);
        store.CreateTopic("out", 2);
        var log = new EmbeddedTopicLog(store);
        await QueryRunner.RunAsync("reference", SpendQuery("expected", _ => { }), log, new QueryOptions { StopAtEnd = true });
        string state = directory.Combine("state");

        // 1: the failing task fails before its first checkpoint (the other one checkpoints when it is
        // stopped); what it wrote is in the log, and its next run starts from offset zero.
        var noCheckpoint = new QueryOptions { StopAtEnd = true, StateDirectory = state, CheckpointInterval = TimeSpan.FromHours(1), MaxRecordsPerIteration = 100 };
        var failed = await Assert.ThrowsAsync<QueryFailedException>(() => QueryRunner.RunAsync("spend", SpendQuery("out", FailAt(1200)), log, noCheckpoint));
        Assert.NotEmpty(TopicData.Consume(store, "out"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(state, "spend", $"task-{failed.Partition}", "checkpoints")));

        // 2: checkpoints after every iteration, fails further on.
        var everyIteration = noCheckpoint with { CheckpointInterval = TimeSpan.Zero };
        await Assert.ThrowsAsync<QueryFailedException>(() => QueryRunner.RunAsync("spend", SpendQuery("out", FailAt(2400)), log, everyIteration));

        // 3: the newest checkpoint of task 0 is damaged, so it restores the one before; then runs to the end.
        string newest = Directory.GetDirectories(Path.Combine(state, "spend", "task-0", "checkpoints")).OrderBy(d => long.Parse(Path.GetFileName(d)!)).Last();
        File.AppendAllText(Path.Combine(newest, "CHECKPOINT"), "damage");
        await QueryRunner.RunAsync("spend", SpendQuery("out", _ => { }), log, everyIteration);

        var expected = TopicData.Consume(store, "expected").Select(r => (r.Key, r.Value, r.Timestamp)).ToList();
        foreach (string kind in new[] { ",sum,", ",count,", ",then,", ",timed out," })
        {
            Assert.Contains(expected, r => r.Value!.Contains(kind, StringComparison.Ordinal));
        }
        Assert.Equal(expected.Count, TopicData.Consume(store, "out").Count);
        Assert.Equal(expected, TopicData.Consume(store, "out").Select(r => (r.Key, r.Value, r.Timestamp)));
    }

    [Fact]
    public async Task State_written_by_another_version_of_the_query_is_refused_naming_query_task_and_checkpoint()
    {
        using var directory = new TempDirectory();
        using var store = await OrdersStore(directory);
        store.CreateTopic("out", 2);
        var log = new EmbeddedTopicLog(store);
        var options = new QueryOptions { StopAtEnd = true, StateDirectory = directory.Combine("state") };
        await QueryRunner.RunAsync("spend", SpendQuery("out", _ => { }), log, options);

        var error = await Assert.ThrowsAsync<QueryFailedException>(() => QueryRunner.RunAsync("spend", query =>
            query.Topic("orders", Serde.Json<Order>()).KeyBy(o => o.Customer)
                .Window(TimeWindows.Tumbling(TimeSpan.FromMinutes(1))).Average(o => o.Amount)
                .Select(r => r.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)).To("out", Serde.Utf8String),
            log, options));
        var incompatible = Assert.IsType<IncompatibleStateException>(error.InnerException);
        Assert.Matches("query 'spend' task [01]: checkpoint [0-9]+ in .* was written by a different version of the query", incompatible.Message);
    }
    [Fact]
    public async Task A_file_sink_publishes_every_line_exactly_once_across_failed_runs()
    {
        using var directory = new TempDirectory();
        using var store = await OrdersStore(directory);
        var log = new EmbeddedTopicLog(store);
        // Task 0 fails at its n-th event (counted per task, so the point does not depend on how the tasks interleave).
        Action<QueryContext> Counts(string folder, int? task0FailsAt) => query =>
        {
            var onEvent = query.Partition == 0 && task0FailsAt is { } n ? FailAt(n) : _ => { };
            query.Topic("orders", Serde.Json<Order>(), WatermarkStrategy<Order>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(5)).WithTimestampAssigner(o => o.At))
                .Select(o =>
                {
                    onEvent(o);
                    return o;
                })
                .KeyBy(o => o.Customer)
                .Window(TimeWindows.Tumbling(TimeSpan.FromMinutes(1)))
                .Count()
                .ToFile(folder, r => $"{r.Key},{r.Window.Start},{r.Value}");
        };
        string expected = directory.Combine("expected"), actual = directory.Combine("actual");
        await QueryRunner.RunAsync("reference", Counts(expected, null), log, new QueryOptions { StopAtEnd = true });

        var rarely = new QueryOptions { StopAtEnd = true, StateDirectory = directory.Combine("state"), CheckpointInterval = TimeSpan.FromHours(1), MaxRecordsPerIteration = 100 };
        await Assert.ThrowsAsync<QueryFailedException>(() => QueryRunner.RunAsync("counts", Counts(actual, 700), log, rarely));
        Assert.True(File.Exists(Path.Combine(actual, ".part-0.inprogress"))); // lines of the failed task, never published
        var often = rarely with { CheckpointInterval = TimeSpan.Zero };
        await Assert.ThrowsAsync<QueryFailedException>(() => QueryRunner.RunAsync("counts", Counts(actual, 1000), log, often));
        await QueryRunner.RunAsync("counts", Counts(actual, null), log, often);

        Assert.Empty(Directory.GetFiles(actual, ".part-*"));
        for (int task = 0; task < 2; task++)
        {
            string published = string.Concat(Directory.GetFiles(actual, $"part-{task}-*.txt").Order(StringComparer.Ordinal).Select(File.ReadAllText));
            Assert.Equal(File.ReadAllText(Path.Combine(expected, $"part-{task}.txt")), published);
        }
    }

    [Fact]
    public async Task After_the_state_is_deleted_the_same_version_writes_nothing_twice_and_a_new_version_writes_all_of_its_own()
    {
        using var directory = new TempDirectory();
        using var store = await OrdersStore(directory);
        store.CreateTopic("out", 2);
        var log = new EmbeddedTopicLog(store);
        string state = directory.Combine("state");
        Action<QueryContext> Amounts(string prefix) => query =>
            query.Topic("orders", Serde.Json<Order>()).Select(o => $"{prefix}{o.Amount}").To("out", Serde.Utf8String);
        var v1 = new QueryOptions { StopAtEnd = true, StateDirectory = state, Version = "v1" };
        await QueryRunner.RunAsync("amounts", Amounts("a"), log, v1);
        int written = TopicData.Consume(store, "out").Count;
        Assert.Equal(3000, written);

        Directory.Delete(state, recursive: true); // the same code again from offset zero: its records are in the log already
        await QueryRunner.RunAsync("amounts", Amounts("a"), log, v1);
        Assert.Equal(3000, TopicData.Consume(store, "out").Count);

        Directory.Delete(state, recursive: true); // a new version: its output is new, and all of it is written
        await QueryRunner.RunAsync("amounts", Amounts("b"), log, v1 with { Version = "v2" });
        var output = TopicData.Consume(store, "out");
        Assert.Equal(6000, output.Count);
        Assert.Equal(3000, output.Count(r => r.Value!.StartsWith('b')));
    }
}
