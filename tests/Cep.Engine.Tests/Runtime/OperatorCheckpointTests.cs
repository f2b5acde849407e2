using System.Text.Json;
using Cep.Engine.Joins;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.Time;
using Cep.Engine.Windows;
using Cep.Storage.Topics;
using Order = Cep.Engine.Tests.Runtime.CheckpointTests.Order;

namespace Cep.Engine.Tests.Runtime;

/// <summary>
/// Each stateful operator with checkpointed state: runs that fail at given events (checkpointing
/// after every small iteration) are restarted from their checkpoints, and the output topic
/// then equals an uninterrupted run's, record for record. The orders are up to 4 s out of order
/// and the watermark allows 1 s, so every operator also meets late and out-of-order events.
/// Results are keyed by customer, the input's key, so each task writes its own output
/// partitions and their order is a function of the input.
/// </summary>
public sealed class OperatorCheckpointTests
{
    // Orders of the failing task (about 2,250), counted from each restart. Each is one past a
    // multiple of the iteration size (50), so every run checkpoints before it fails and repeats
    // one order after it; together they leave the last run only the end of the input, so state
    // from before the last restart is still open when the input ends.
    private static readonly int[] FailurePoints = [151, 401, 251, 101, 301, 201, 101, 151, 201, 351];

    // The task of customers c1, c2 and c3 (c0 hashes to the other one), so restored state holds several keys.
    private const int FailingTask = 1;

    // About one order per 4 s per customer: a few seconds' gap separates sessions, and late orders bridge them.
    private const int Customers = 4;

    /// <summary>
    /// The orders at their time (or at <paramref name="time"/>), with a watermark 1 s behind the
    /// latest order; in the failing task, the <paramref name="failAt"/>-th order throws.
    /// </summary>
    private static Stream<Order> Orders(QueryContext query, int? failAt, Func<Order, long>? time = null)
    {
        var onEvent = query.Partition == FailingTask && failAt is { } n ? FailAtOrder(n) : _ => { };
        return query.Topic("orders", Serde.Json<Order>(), WatermarkStrategy<Order>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1)).WithTimestampAssigner(time ?? (o => o.At)))
            .Select(o =>
            {
                onEvent(o);
                return o;
            });
    }

    /// <summary>Throws at the <paramref name="n"/>-th distinct order (each order passes once per branch that reads the orders).</summary>
    private static Action<Order> FailAtOrder(int n)
    {
        var seen = new HashSet<Order>();
        return order =>
        {
            if (seen.Add(order) && seen.Count == n)
            {
                throw new InvalidOperationException("injected failure");
            }
        };
    }

    /// <summary>Writes lines whose first comma-separated field is the customer, keyed by it.</summary>
    private static void Write(Stream<string> lines, string output) =>
        lines.To(output, line => line.Split(',')[0], Serde.Utf8String, Serde.Utf8String);

    private static void WriteLate(WindowedStream<string, Order> windows, string output) =>
        Write(windows.LateEvents.Select(l => $"{l.Value.Customer},{l.Timestamp},late,{l.Reason}"), output);

    /// <summary>
    /// Runs <paramref name="query"/> uninterrupted into "expected", then into "out" with
    /// checkpoints after every iteration, failing at each of <see cref="FailurePoints"/> (counted
    /// from each restart) and finally running to the end; asserts both outputs are equal and
    /// hold every kind of result in <paramref name="kinds"/>. Returns the expected records.
    /// </summary>
    private static async Task<List<(string? Key, string? Value, long Timestamp)>> AssertRestartsEqualUninterruptedRun(
        string name, Func<string, int?, Action<QueryContext>> query, params string[] kinds)
    {
        using var directory = new TempDirectory();
        using var store = await CheckpointTests.OrdersStore(directory, Customers);
        store.CreateTopic("expected", 2);
        store.CreateTopic("out", 2);
        var log = new EmbeddedTopicLog(store);
        await QueryRunner.RunAsync("reference", query("expected", null), log, new QueryOptions { StopAtEnd = true });

        var options = new QueryOptions { StopAtEnd = true, StateDirectory = directory.Combine("state"), CheckpointInterval = TimeSpan.Zero, MaxRecordsPerIteration = 50 };
        foreach (int failAt in FailurePoints)
        {
            await Assert.ThrowsAsync<QueryFailedException>(() => QueryRunner.RunAsync(name, query("out", failAt), log, options));
        }
        await QueryRunner.RunAsync(name, query("out", null), log, options);

        var expected = Records(store, "expected");
        foreach (string kind in kinds)
        {
            Assert.Contains(expected, r => r.Value!.Contains(kind, StringComparison.Ordinal));
        }
        var actual = Records(store, "out");
        Assert.Equal(expected.Count, actual.Count);
        Assert.Equal(expected, actual);
        return expected;
    }

    private static List<(string? Key, string? Value, long Timestamp)> Records(TopicStore store, string topic) =>
        TopicData.Consume(store, topic).Select(r => (r.Key, r.Value, r.Timestamp)).ToList();

    [Fact]
    public async Task Session_windows_resume_from_their_checkpoints()
    {
        var expected = await AssertRestartsEqualUninterruptedRun("sessions", (output, failAt) => query =>
        {
            var orders = Orders(query, failAt).KeyBy(o => o.Customer);
            var final = orders.Window(SessionWindows.WithGap(TimeSpan.FromSeconds(3)).WithGrace(TimeSpan.FromMilliseconds(500)));
            Write(final.Sum(o => (long)o.Amount).Select(r => $"{r.Key},{r.Window.Start},{r.Window.End},sum,{r.Value}"), output);
            WriteLate(final, output);
            var updates = orders.Window(SessionWindows.WithGap(TimeSpan.FromSeconds(3)).EmitEveryUpdate());
            Write(updates.Count().Select(r => $"{r.Key},{r.Window.Start},{r.Window.End},update,{r.Value}"), output);
        }, ",sum,", ",update,", ",late,", "a session of its key ending at");
        Assert.True(SessionMerges(expected) > 0, "the orders merge sessions");
    }

    [Fact]
    public async Task Sliding_windows_resume_from_their_checkpoints()
    {
        await AssertRestartsEqualUninterruptedRun("sliding", (output, failAt) => query =>
        {
            var orders = Orders(query, failAt).KeyBy(o => o.Customer);
            var final = orders.Window(SlidingWindows.OfTimeDifferenceAndGrace(TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(500)));
            Write(final.Sum(o => (long)o.Amount).Select(r => $"{r.Key},{r.Window.Start},{r.Window.End},sum,{r.Value}"), output);
            WriteLate(final, output);
            var updates = orders.Window(SlidingWindows.OfTimeDifference(TimeSpan.FromSeconds(3)).EmitEveryUpdate());
            Write(updates.Max(o => o.Amount).Select(r => $"{r.Key},{r.Window.Start},{r.Window.End},update,{r.Value}"), output);
        }, ",sum,", ",update,", ",late,", "later windows holding it were updated");
    }

    [Fact]
    public async Task Count_windows_resume_from_their_checkpoints()
    {
        var expected = await AssertRestartsEqualUninterruptedRun("counts", (output, failAt) => query =>
        {
            var orders = Orders(query, failAt).KeyBy(o => o.Customer);
            // Windows of many events, so some are open across the last restart and the short ones at the end keep their arrival order.
            Write(orders.Window(CountWindows.Tumbling(200)).Count().Select(r => $"{r.Key},{r.Window.Start},{r.Window.End},tumbling,{r.Value}"), output);
            Write(orders.Window(CountWindows.Sliding(60, 45)).Sum(o => (long)o.Amount).Select(r => $"{r.Key},{r.Window.Start},{r.Window.End},sliding,{r.Value}"), output);
        }, ",tumbling,", ",sliding,");
        Assert.Contains(expected, r => r.Value!.Contains(",tumbling,", StringComparison.Ordinal) && !r.Value.EndsWith(",200", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Stream_stream_joins_resume_from_their_checkpoints()
    {
        await AssertRestartsEqualUninterruptedRun("joins", (output, failAt) => query =>
        {
            // At 10 s steps, so events of different customers expire together: their unmatched results go out in arrival order.
            var orders = Orders(query, failAt, o => o.At / 10_000 * 10_000);
            var big = orders.Where(o => o.Amount > 80).KeyBy(o => o.Customer);
            var small = orders.Where(o => o.Amount <= 20).KeyBy(o => o.Customer);
            var windows = JoinWindows.OfTimeDifference(TimeSpan.FromSeconds(5)).WithGrace(TimeSpan.FromMilliseconds(500));
            Write(big.Join(small, windows, (b, s) => $"{b.Customer},{b.At},{s.At},inner", out var late), output);
            Write(late.Left.Select(l => $"{l.Value.Customer},{l.Timestamp},late left"), output);
            Write(late.Right.Select(l => $"{l.Value.Customer},{l.Timestamp},late right"), output);
            Write(big.LeftJoin(small, windows, (b, s) => $"{b.Customer},{b.At},{(s.HasValue ? s.Value.At : -1)},left"), output);
            Write(big.OuterJoin(small, windows, (b, s) => b.HasValue
                ? $"{b.Value.Customer},{b.Value.At},{(s.HasValue ? s.Value.At : -1)},outer"
                : $"{s.Value.Customer},-1,{s.Value.At},outer right only"), output);
        }, ",inner", ",-1,left", ",-1,outer", ",outer", "outer right only", "late left", "late right");
    }

    [Fact]
    public async Task Stream_table_joins_resume_from_their_checkpoints()
    {
        await AssertRestartsEqualUninterruptedRun("tables", (output, failAt) => query =>
        {
            var all = Orders(query, failAt);
            // Each customer's latest big order; a very small one deletes it.
            var lastBig = all.Where(o => o.Amount > 80 || o.Amount < 10).KeyBy(o => o.Customer).ToTable(o => o.Amount < 10 ? null : $"{o.At}");
            var orders = all.KeyBy(o => o.Customer);
            Write(orders.Join(lastBig, (o, big) => $"{o.Customer},{o.At},{big},inner"), output);
            Write(orders.LeftJoin(lastBig, (o, big) => $"{o.Customer},{o.At},{big.GetValueOrDefault("none")},left"), output);
        }, ",inner", ",none,left");
    }

    /// <summary>How many update results swallowed two or more sessions of their key (each update replaces the sessions its window overlaps).</summary>
    private static int SessionMerges(List<(string? Key, string? Value, long Timestamp)> records)
    {
        var open = new Dictionary<string, List<(long Start, long End)>>();
        int merges = 0;
        foreach (var fields in records.Select(r => r.Value!.Split(',')).Where(f => f[3] == "update"))
        {
            long start = long.Parse(fields[1]), end = long.Parse(fields[2]);
            var sessions = open.TryGetValue(fields[0], out var held) ? held : open[fields[0]] = [];
            if (sessions.RemoveAll(s => s.Start < end && start < s.End) > 1)
            {
                merges++;
            }
            sessions.Add((start, end));
        }
        return merges;
    }
}
