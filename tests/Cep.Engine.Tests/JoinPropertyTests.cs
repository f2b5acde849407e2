using Cep.Engine;
using Cep.Engine.Joins;
using FsCheck;
using FsCheck.Fluent;

namespace Cep.Engine.Tests;

/// <summary>
/// Join results depend on the events only — not on where the watermarks fall, nor on how the
/// two inputs interleave within their allowed disorder — and equal a plain nested-loop join
/// over the same events. Each input's watermark is as far ahead as the join allows without
/// making any event late — the earliest time still to come on that input, less one, plus the
/// grace — so events arrive right at the grace boundary, nothing goes to the side output, and
/// the outer join's unmatched results are exactly the events no pair contains: none spurious,
/// none early.
/// Output events are never behind a watermark the join already sent. Seeds are fixed (Replay);
/// FsCheck prints a failing case.
/// </summary>
public sealed class JoinPropertyTests
{
    private const long Disorder = 10;

    private sealed record Event(int Id, int Key, long Time, long Jitter);

    private static Gen<List<Event>> EventsGen(int firstId) =>
        Gen.ListOf(
            from key in Gen.Choose(0, 2)
            from time in Gen.Choose(0, 300)
            from jitter in Gen.Choose(0, (int)Disorder - 1)
            select (key, time, jitter))
        .Select(l => l.Select((e, i) => new Event(firstId + i, e.key, e.time, e.jitter)).ToList());

    private static Gen<(List<Event> Left, List<Event> Right, int Difference, int Grace, int EveryA, int EveryB)> CaseGen =>
        from left in EventsGen(0)
        from right in EventsGen(100_000)
        from difference in Gen.Choose(0, 40)
        from grace in Gen.Choose(0, 15)
        from everyA in Gen.Choose(1, 7)
        from everyB in Gen.Choose(1, 7)
        select (left, right, difference, grace, everyA, everyB);

    [Fact]
    public void The_inner_join_equals_a_nested_loop_join_wherever_the_watermarks_fall()
    {
        Prop.ForAll(CaseGen.ToArbitrary(), c =>
        {
            var expected = (from l in c.Left
                            from r in c.Right
                            where l.Key == r.Key && Math.Abs(l.Time - r.Time) <= c.Difference
                            select (l.Id, r.Id, Math.Max(l.Time, r.Time))).Order().ToList();
            var windows = JoinWindows.OfTimeDifference(TimeSpan.FromMilliseconds(c.Difference)).WithGrace(TimeSpan.FromMilliseconds(c.Grace));
            foreach (int every in new[] { c.EveryA, c.EveryB })
            {
                var actual = Run(c.Left, c.Right, every, c.Grace, (l, r) => (l.Join(r, windows, (a, b) => (new Optional<Event>(a), new Optional<Event>(b)), out var late), late), out int lateCount);
                Assert.Equal(0, lateCount);
                Assert.Equal(expected, actual.Select(x => (x.Left.Value.Id, x.Right.Value.Id, x.Time)).Order().ToList());
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(new Replay(new Rnd(20240611, 777), null)));
    }

    [Fact]
    public void The_outer_join_adds_exactly_the_unmatched_events_at_their_own_times_wherever_the_watermarks_fall()
    {
        Prop.ForAll(CaseGen.ToArbitrary(), c =>
        {
            var pairs = (from l in c.Left
                         from r in c.Right
                         where l.Key == r.Key && Math.Abs(l.Time - r.Time) <= c.Difference
                         select (l, r)).ToList();
            var expected = pairs.Select(p => (p.l.Id, p.r.Id, Math.Max(p.l.Time, p.r.Time)))
                .Concat(c.Left.Where(l => pairs.All(p => p.l != l)).Select(l => (l.Id, -1, l.Time)))
                .Concat(c.Right.Where(r => pairs.All(p => p.r != r)).Select(r => (-1, r.Id, r.Time)))
                .Order().ToList();
            var windows = JoinWindows.OfTimeDifference(TimeSpan.FromMilliseconds(c.Difference)).WithGrace(TimeSpan.FromMilliseconds(c.Grace));
            foreach (int every in new[] { c.EveryA, c.EveryB })
            {
                var actual = Run(c.Left, c.Right, every, c.Grace, (l, r) => (l.OuterJoin(r, windows, (a, b) => (a, b), out var late), late), out int lateCount);
                Assert.Equal(0, lateCount);
                Assert.Equal(expected, actual.Select(x => (x.Left.HasValue ? x.Left.Value.Id : -1, x.Right.HasValue ? x.Right.Value.Id : -1, x.Time)).Order().ToList());
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200).WithReplay(new Replay(new Rnd(4242424242, 99), null)));
    }

    /// <summary>
    /// Feeds both inputs in arrival order (time + jitter, left first on ties), each with its own
    /// watermark (earliest time still to come − 1 + grace) after every <paramref name="every"/>th of its
    /// events; returns the results with their times and checks none is behind an earlier output watermark.
    /// </summary>
    private static List<(Optional<Event> Left, Optional<Event> Right, long Time)> Run(
        List<Event> left, List<Event> right, int every, int grace,
        Func<KeyedStream<int, Event>, KeyedStream<int, Event>, (Stream<(Optional<Event>, Optional<Event>)> Joined, JoinLateEvents<Event, Event> Late)> build,
        out int lateCount)
    {
        int late = 0;
        using var join = new TwoInputs<Event, Event, (Optional<Event> Left, Optional<Event> Right)>((l, r) =>
        {
            var (joined, lateEvents) = build(l.KeyBy(e => e.Key), r.KeyBy(e => e.Key));
            lateEvents.Left.Subscribe(i => late += i.IsEvent ? 1 : 0);
            lateEvents.Right.Subscribe(i => late += i.IsEvent ? 1 : 0);
            return joined;
        });
        var arrivals = left.Select(e => (e, IsLeft: true)).Concat(right.Select(e => (e, IsLeft: false)))
            .OrderBy(a => a.e.Time + a.e.Jitter).ThenBy(a => !a.IsLeft).ThenBy(a => a.e.Id).ToList();
        // The earliest time still to come on each input after arrival i: the highest watermark that makes nothing late.
        var nextLeft = new long[arrivals.Count + 1];
        var nextRight = new long[arrivals.Count + 1];
        nextLeft[^1] = nextRight[^1] = long.MaxValue;
        for (int i = arrivals.Count - 1; i >= 0; i--)
        {
            nextLeft[i] = arrivals[i].IsLeft ? Math.Min(nextLeft[i + 1], arrivals[i].e.Time) : nextLeft[i + 1];
            nextRight[i] = arrivals[i].IsLeft ? nextRight[i + 1] : Math.Min(nextRight[i + 1], arrivals[i].e.Time);
        }
        int seenLeft = 0, seenRight = 0;
        for (int i = 0; i < arrivals.Count; i++)
        {
            var (e, isLeft) = arrivals[i];
            if (isLeft)
            {
                join.Left(e, e.Time);
                if (++seenLeft % every == 0 && nextLeft[i + 1] != long.MaxValue)
                {
                    join.LeftWatermark(nextLeft[i + 1] - 1 + grace);
                }
            }
            else
            {
                join.Right(e, e.Time);
                if (++seenRight % every == 0 && nextRight[i + 1] != long.MaxValue)
                {
                    join.RightWatermark(nextRight[i + 1] - 1 + grace);
                }
            }
        }
        join.Complete();
        Assert.Null(join.Error);
        Assert.True(join.Completed);
        long outputWatermark = long.MinValue;
        var results = new List<(Optional<Event>, Optional<Event>, long)>();
        foreach (var item in join.Output)
        {
            if (item.Kind == StreamItemKind.Watermark)
            {
                outputWatermark = item.Timestamp;
            }
            else if (item.IsEvent)
            {
                Assert.True(item.Timestamp > outputWatermark, $"result at {item.Timestamp} behind output watermark {outputWatermark}");
                results.Add((item.Value.Left, item.Value.Right, item.Timestamp));
            }
        }
        lateCount = late;
        return results;
    }
}
