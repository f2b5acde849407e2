using System.Reactive.Subjects;
using Cep.Engine;
using Cep.Engine.Joins;
using Cep.Engine.Operators;
using Cep.Engine.Windows;

namespace Cep.Engine.Tests;

public sealed class WindowJoinTests
{
    private static readonly JoinWindows TenMsGraceFive = JoinWindows.OfTimeDifference(TimeSpan.FromMilliseconds(10)).WithGrace(TimeSpan.FromMilliseconds(5));

    private static TwoInputs<(string K, string V), (string K, string V), string> LeftJoin(JoinWindows windows) =>
        new((l, r) => l.KeyBy(e => e.K).LeftJoin(r.KeyBy(e => e.K), windows, (a, b) => $"{a.V}+{(b.HasValue ? b.Value.V : "none")}"));

    private static TwoInputs<(string K, string V), (string K, string V), string> OuterJoin(JoinWindows windows) =>
        new((l, r) => l.KeyBy(e => e.K).OuterJoin(r.KeyBy(e => e.K), windows, (a, b) => $"{(a.HasValue ? a.Value.V : "none")}+{(b.HasValue ? b.Value.V : "none")}"));

    [Fact]
    public void Matches_are_emitted_at_once_at_the_later_time_per_key()
    {
        using var join = new TwoInputs<(string K, int V), (string K, int V), string>((l, r) =>
            l.KeyBy(e => e.K).Join(r.KeyBy(e => e.K), TenMsGraceFive, (a, b) => $"{a.K}:{a.V}-{b.V}"));
        join.Left(("x", 1), 100);
        join.Left(("y", 2), 101);
        Assert.Empty(join.Drain());
        join.Right(("x", 3), 95);
        Assert.Equal(["x:1-3@100"], join.Drain());
        join.Right(("x", 4), 110);
        join.Right(("x", 5), 111);
        join.Right(("y", 6), 90);
        Assert.Equal(["x:1-4@110"], join.Drain());
    }

    [Fact]
    public void Before_and_after_make_the_window_asymmetric()
    {
        var windows = JoinWindows.OfTimeDifference(TimeSpan.Zero).After(TimeSpan.FromMilliseconds(10)).WithGrace(TimeSpan.FromMilliseconds(100));
        using var join = new TwoInputs<int, int, string>((l, r) => l.KeyBy(_ => 0).Join(r.KeyBy(_ => 0), windows, (a, b) => $"{a}-{b}"));
        join.Left(100, 100);
        foreach (int t in new[] { 99, 100, 105, 110, 111 })
        {
            join.Right(t, t);
        }
        Assert.Equal(["100-100@100", "100-105@105", "100-110@110"], join.Drain());
        Assert.Throws<ArgumentException>(() => JoinWindows.OfTimeDifference(TimeSpan.Zero).Before(TimeSpan.FromMilliseconds(-1)));
        Assert.Equal(-5, JoinWindows.OfTimeDifference(TimeSpan.FromMilliseconds(10)).Before(TimeSpan.FromMilliseconds(-5)).BeforeMs);
    }

    [Fact]
    public void An_unmatched_left_event_is_emitted_once_its_window_closes_at_its_own_time_and_the_watermark_waits_for_it()
    {
        using var join = LeftJoin(TenMsGraceFive);
        join.Left(("k", "a"), 100);
        join.Watermark(114); // a right event at 110 could still arrive: 110 > 114 − grace 5
        Assert.Equal(["watermark 99"], join.Drain()); // held back by after 10 + grace 5
        join.Watermark(115);
        Assert.Equal(["a+none@100", "watermark 100"], join.Drain());
        join.Complete();
        Assert.True(join.Completed);
    }

    [Fact]
    public void A_left_event_that_matched_is_never_emitted_unmatched()
    {
        using var join = LeftJoin(TenMsGraceFive);
        join.Left(("k", "a"), 100);
        join.Watermark(105);
        join.Right(("k", "x"), 110); // within grace: 110 > 105 − 5
        join.Watermark(1000);
        join.Complete();
        Assert.Equal(["a+x"], join.Output.Where(i => i.IsEvent).Select(i => i.Value));
    }

    [Fact]
    public void An_outer_join_emits_unmatched_events_of_both_sides_in_expiry_order()
    {
        using var join = OuterJoin(TenMsGraceFive);
        join.Right(("k", "r"), 50);
        join.Left(("j", "l"), 40);
        join.Left(("k", "m"), 70);
        // Expiries (time + 10 + grace 5): l 55, r 65, m 85; m and r are 20 ms apart, so nothing matches.
        join.Watermark(64);
        Assert.Equal(["l+none@40", "watermark 49"], join.Drain());
        join.Watermark(65);
        Assert.Equal(["none+r@50", "watermark 50"], join.Drain());
        join.Complete(); // a bounded input: everything still buffered is final
        Assert.Equal(["m+none@70"], join.Drain());
        Assert.True(join.Completed);
    }

    [Fact]
    public void Late_events_go_to_the_side_output_with_the_reason_and_join_nothing()
    {
        var late = new List<string>();
        using var join = new TwoInputs<int, int, string>((l, r) =>
        {
            var joined = l.KeyBy(_ => 0).OuterJoin(r.KeyBy(_ => 0), TenMsGraceFive, (a, b) => $"{a}+{b}", out var lateEvents);
            lateEvents.Left.Subscribe(i => late.Add(i.IsEvent ? $"L {i.Value.Value}@{i.Value.Timestamp}: {i.Value.Reason}" : i.ToString()));
            lateEvents.Right.Subscribe(i => late.Add(i.IsEvent ? $"R {i.Value.Value}@{i.Value.Timestamp}" : i.ToString()));
            return joined;
        });
        join.Left(1, 100);
        join.Watermark(100);
        join.Right(2, 95); // 95 ≤ 100 − 5: late, though it would have matched
        join.Right(3, 96); // on time
        Assert.Equal(["1+3"], join.DrainEvents());
        Assert.Equal(["watermark 100", "watermark 100", "R 2@95"], late);
        join.Left(4, 95, new EventOrigin("clicks", 3, 17));
        Assert.StartsWith("L 4@95: left event at 95 is later than the join's grace: watermark 100", late[^1]);
        join.Complete();
        Assert.Empty(join.DrainEvents()); // both matched; the late ones took no part
    }

    [Fact]
    public void State_is_pruned_by_the_watermark_so_it_stays_bounded()
    {
        var gauge = new JoinStateGauge();
        var left = new Subject<StreamItem<(int K, long T)>>();
        var right = new Subject<StreamItem<(int K, long T)>>();
        var late = new Subject<StreamItem<LateEvent<(int K, long T)>>>();
        long results = 0;
        var op = new TimeBoundedJoinOperator<int, (int K, long T), (int K, long T), int, OuterJoinResult<(int K, long T), (int K, long T), int>>(
            left, e => e.K, right, e => e.K, beforeMs: 10, afterMs: 10, graceMs: 5, new((_, _) => 1), "OuterJoin", late, late, gauge);
        using var subscription = op.Subscribe(i => results += i.IsEvent ? 1 : 0);
        int peak = 0;
        for (long t = 0; t < 20_000; t++)
        {
            left.OnNext(StreamItem<(int, long)>.Event(((int)(t % 100), t), t));
            right.OnNext(StreamItem<(int, long)>.Event(((int)(t % 97), t), t));
            left.OnNext(StreamItem<(int, long)>.Watermark(t - 1));
            right.OnNext(StreamItem<(int, long)>.Watermark(t - 1));
            peak = Math.Max(peak, gauge.BufferedEvents);
        }
        // Each side holds events younger than before/after + grace = 15 ms: about 2 × 16.
        Assert.InRange(peak, 1, 2 * 17);
        Assert.InRange(gauge.Keys, 1, 2 * 17);
        left.OnCompleted();
        right.OnCompleted();
        Assert.Equal(0, gauge.BufferedEvents);
        Assert.Equal(0, gauge.Keys);
        Assert.True(results > 0);
    }

    [Fact]
    public void A_result_selector_that_throws_stops_the_stream_naming_the_join_and_the_event()
    {
        using var join = new TwoInputs<int, int, int>((l, r) => l.KeyBy(_ => 0).Join(r.KeyBy(_ => 0), TenMsGraceFive, (a, b) => a / b));
        join.Left(10, 100);
        join.Right(0, 101, new EventOrigin("payments", 1, 42));
        var failure = Assert.IsType<OperatorException>(join.Error);
        Assert.Equal("operator 'Join' failed on payments/1 offset 42: Attempted to divide by zero.", failure.Message);
        join.Right(5, 102); // nothing more after the failure
        Assert.Empty(join.DrainEvents());
    }

    [Fact]
    public void Watermarks_are_the_minimum_of_both_inputs_barriers_wait_for_both_and_a_completed_input_stops_holding_back()
    {
        using var join = new TwoInputs<int, int, string>((l, r) => l.KeyBy(_ => 0).Join(r.KeyBy(_ => 0), TenMsGraceFive, (a, b) => $"{a}{b}"));
        join.LeftWatermark(50);
        Assert.Empty(join.Drain());
        join.RightWatermark(40);
        join.LeftWatermark(60);
        Assert.Equal(["watermark 35"], join.Drain()); // min 40, less grace 5 for an inner join
        join.Barrier(7);
        Assert.Equal(["barrier 7"], join.Drain());
        join.CompleteRight();
        Assert.Equal(["watermark 55"], join.Drain());
        Assert.False(join.Completed);
        join.CompleteLeft();
        Assert.True(join.Completed);
    }
}
