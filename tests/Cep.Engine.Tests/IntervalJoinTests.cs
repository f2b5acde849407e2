using Cep.Engine;
using Cep.Engine.Joins;

namespace Cep.Engine.Tests;

public sealed class IntervalJoinTests
{
    private static TwoInputs<int, int, string> Harness(Func<IntervalJoin<int, int, int>, IntervalJoined<int, int, int>> interval, List<string>? late = null) =>
        new((l, r) =>
        {
            var joined = interval(l.KeyBy(_ => 0).IntervalJoin(r.KeyBy(_ => 0)));
            if (late is not null)
            {
                joined.LateEvents.Left.Subscribe(i => late.Add(i.IsEvent ? $"L {i.Value.Value}@{i.Value.Timestamp}" : i.ToString()));
                joined.LateEvents.Right.Subscribe(i => late.Add(i.IsEvent ? $"R {i.Value.Value}@{i.Value.Timestamp}" : i.ToString()));
            }
            return joined.Select((a, b) => $"{a},{b}");
        });

    /// <summary>
    /// Flink's documented example ("Interval Join", DataStream API docs): orange.intervalJoin(green)
    /// .between(-2 ms, +1 ms), joining when orange.ts + lower ≤ green.ts ≤ orange.ts + upper,
    /// bounds inclusive. The docs show elements and pairs in a figure only, so the elements here
    /// are ours and the expected pairs are worked out from the documented condition. Events
    /// arrive in time order with a monotonic watermark (time − 1) after each, as on one task.
    /// </summary>
    [Fact]
    public void Flinks_documented_example_joins_green_elements_from_two_before_to_one_after_each_orange_one()
    {
        using var join = Harness(j => j.Between(TimeSpan.FromMilliseconds(-2), TimeSpan.FromMilliseconds(1)));
        int[] orange = [0, 2, 3, 4, 5, 7], green = [0, 1, 6, 7];
        foreach (var (time, isOrange) in orange.Select(t => (t, true)).Concat(green.Select(t => (t, false))).OrderBy(e => e.t).ThenBy(e => !e.Item2))
        {
            if (isOrange)
            {
                join.Left(time, time);
            }
            else
            {
                join.Right(time, time);
            }
            join.Watermark(time - 1);
        }
        join.Complete();
        Assert.Null(join.Error);
        Assert.Equal(["0,0", "0,1", "2,0", "2,1", "3,1", "5,6", "7,6", "7,7"], join.Output.Where(i => i.IsEvent).Select(i => i.Value).Order());
        // Results carry max(orange, green) time.
        Assert.Contains("2,1@2", join.Output.Select(i => i.ToString()));
        Assert.Contains("5,6@6", join.Output.Select(i => i.ToString()));
    }

    [Theory]
    [InlineData(false, false, new[] { 8, 9, 10, 11, 12 })]
    [InlineData(true, false, new[] { 9, 10, 11, 12 })]
    [InlineData(false, true, new[] { 8, 9, 10, 11 })]
    [InlineData(true, true, new[] { 9, 10, 11 })]
    public void Bounds_are_inclusive_unless_made_exclusive(bool lowerExclusive, bool upperExclusive, int[] joined)
    {
        using var join = Harness(j =>
        {
            var interval = j.Between(TimeSpan.FromMilliseconds(-2), TimeSpan.FromMilliseconds(2));
            interval = lowerExclusive ? interval.LowerBoundExclusive() : interval;
            return upperExclusive ? interval.UpperBoundExclusive() : interval;
        });
        join.Left(10, 10);
        for (int t = 7; t <= 13; t++)
        {
            join.Right(t, t);
        }
        Assert.Equal(joined.Select(t => $"10,{t}"), join.DrainEvents());
    }

    [Fact]
    public void An_interval_wholly_after_the_left_event_works_and_events_at_or_behind_the_watermark_are_late()
    {
        var late = new List<string>();
        using var join = Harness(j => j.Between(TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(5)), late);
        join.Left(10, 10);
        join.Watermark(11);
        join.Right(12, 12);
        join.Right(16, 16);
        Assert.Equal(["10,12"], join.DrainEvents());
        join.Watermark(15); // left 10 is done: no right event after 15 can be within 10 + [2, 5]
        join.Right(15, 15); // at the watermark: late
        join.Left(12, 12); // behind it: late, though right 16 would fit
        join.Left(14, 14); // late as well, though right 16 would fit
        join.Left(16, 16); // on time, and joins nothing: right 16 is before 16 + 2
        Assert.Empty(join.DrainEvents());
        Assert.Equal(["watermark 11", "watermark 11", "watermark 15", "watermark 15", "R 15@15", "L 12@12", "L 14@14"], late);
    }

    [Fact]
    public void Empty_or_inverted_intervals_are_rejected_when_built()
    {
        var stream = Streams.FromItems(new System.Reactive.Subjects.Subject<StreamItem<int>>()).KeyBy(x => x);
        Assert.Throws<ArgumentException>(() => stream.IntervalJoin(stream).Between(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(-1)));
        Assert.Throws<ArgumentException>(() => stream.IntervalJoin(stream).Between(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)).LowerBoundExclusive());
        stream.IntervalJoin(stream).Between(TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)).Select((a, b) => a + b);
    }
}
