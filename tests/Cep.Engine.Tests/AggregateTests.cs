using Cep.Engine;
using Cep.Engine.Aggregates;
using Cep.Engine.Windows;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests;

public sealed class AggregateTests
{
    private static readonly TimeWindows Tumbling = TimeWindows.Tumbling(TimeSpan.FromSeconds(1));

    private static TResult One<TResult>(IEnumerable<StreamItem<Reading>> input, Func<WindowedStream<string, Reading>, Stream<WindowResult<string, TResult>>> aggregate) =>
        Events(input, s => aggregate(s.KeyBy(r => r.Key).Window(Tumbling))).Single().Value.Value;

    private static StreamItem<Reading>[] Values(params int[] values) => [.. values.Select((v, i) => E(new Reading("a", v), i))];

    [Fact]
    public void First_and_last_go_by_event_time_not_arrival_ties_by_arrival()
    {
        var input = new[] { E(new Reading("a", 1), 50), E(new Reading("a", 2), 10), E(new Reading("a", 3), 90), E(new Reading("a", 4), 10), E(new Reading("a", 5), 90) };
        Assert.Equal(2, One(input, w => w.First(r => r.Value)));
        Assert.Equal(5, One(input, w => w.Last(r => r.Value)));
    }

    [Fact]
    public void First_and_last_merge_by_event_time()
    {
        var first = new FirstLastAggregator<int, int>(v => v, last: false);
        var late = first.Create();
        first.Add(ref late, 7, 100);
        var early = first.Create();
        first.Add(ref early, 3, 20);
        Assert.Equal(3, first.Result(first.Merge(late, early)));
        Assert.Equal(3, first.Result(first.Merge(early, late)));
        Assert.Equal(7, first.Result(first.Merge(late, first.Create())));
        var last = new FirstLastAggregator<int, int>(v => v, last: true);
        Assert.Equal(7, last.Result(last.Merge(early, late)));
    }

    [Fact]
    public void Distinct_count_is_exact_and_merges()
    {
        Assert.Equal(3, One(Values(5, 1, 5, 2, 1, 5), w => w.DistinctCount(r => r.Value)));
        Assert.Equal(2, One(Values(1, 2, 3), w => w.DistinctCount(r => $"{r.Value % 2}")));
        var aggregator = new DistinctCountAggregator<int, int>(v => v, null);
        HashSet<int> left = [1, 2, 3], right = [3, 4];
        Assert.Equal(4, aggregator.Result(aggregator.Merge(left, right)));
    }

    [Fact]
    public void Top_k_keeps_the_k_largest_largest_first_with_repeats()
    {
        Assert.Equal([9, 7, 7], One(Values(3, 7, 1, 9, 7, 2), w => w.TopK(r => r.Value, 3)));
        Assert.Equal([2, 1], One(Values(1, 2), w => w.TopK(r => r.Value, 5)));
        var aggregator = new TopKAggregator<int, int>(v => v, 2);
        var left = aggregator.Create();
        var right = aggregator.Create();
        foreach (int v in new[] { 5, 1 })
        {
            aggregator.Add(ref left, v);
        }
        foreach (int v in new[] { 4, 8, 2 })
        {
            aggregator.Add(ref right, v);
        }
        Assert.Equal([8, 5], aggregator.Result(aggregator.Merge(left, right)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TopKAggregator<int, int>(v => v, 0));
    }

    /// <summary>
    /// The nearest-rank method's textbook examples: of 15, 20, 35, 40, 50 the 5th, 30th, 40th,
    /// 50th and 100th percentiles are 15, 20, 20, 35, 50; of 3, 6, 7, 8, 8, 10, 13, 15, 16, 20
    /// the 25th, 50th, 75th and 100th are 7, 8, 15, 20 (rank ⌈p·n/100⌉, always a value of the set).
    /// </summary>
    [Fact]
    public void Percentiles_by_nearest_rank_match_the_textbook_examples()
    {
        Assert.Equal([15, 20, 20, 35, 50], One(Values(50, 15, 40, 20, 35), w => w.Percentiles(r => r.Value, 5, 30, 40, 50, 100)));
        Assert.Equal([7, 8, 15, 20], One(Values(15, 3, 20, 8, 6, 16, 7, 10, 13, 8), w => w.Percentiles(r => r.Value, 25, 50, 75, 100)));
        Assert.Equal(8, One(Values(15, 3, 20, 8, 6, 16, 7, 10, 13, 8), w => w.Percentile(r => r.Value, 50)));
        Assert.Equal(3, One(Values(15, 3, 20), w => w.Percentile(r => r.Value, 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PercentileAggregator<int, int>(v => v, 101));
    }

    [Fact]
    public void Percentiles_merge_their_value_lists()
    {
        var aggregator = new PercentileAggregator<int, int>(v => v, 50);
        Assert.Equal(3, aggregator.Result(aggregator.Merge([5, 1], [3, 4, 2])));
    }

    [Fact]
    public void Percentiles_with_emit_every_update_read_the_growing_window()
    {
        var input = Values(5, 1, 3);
        var results = Events(input, s => s.KeyBy(r => r.Key).Window(Tumbling.EmitEveryUpdate()).Percentile(r => r.Value, 100));
        Assert.Equal([5, 5, 5], results.Select(r => r.Value.Value));
    }

    private readonly record struct Reading(string Key, int Value);
}
