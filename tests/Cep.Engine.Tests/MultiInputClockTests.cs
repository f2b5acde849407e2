using System.Reactive.Subjects;
using Cep.Engine;
using Cep.Engine.Operators;

namespace Cep.Engine.Tests;

public sealed class MultiInputClockTests
{
    [Fact]
    public void The_watermark_is_the_minimum_over_inputs_and_a_completed_input_stops_holding_it_back()
    {
        var clock = new MultiInputClock(2);
        Assert.False(clock.OnWatermark(0, 10)); // input 1 has sent none
        Assert.True(clock.OnWatermark(1, 5));
        Assert.Equal(5, clock.Watermark);
        Assert.False(clock.OnWatermark(1, 4)); // never backwards
        Assert.False(clock.OnBarrier(3));
        Assert.True(clock.OnBarrier(3));
        Assert.True(clock.OnCompleted(1));
        Assert.Equal(10, clock.Watermark);
        Assert.False(clock.OnCompleted(0));
        Assert.True(clock.AllCompleted);
        Assert.Equal(10, clock.Watermark); // completion closes everything; the watermark does not jump to +∞
    }

    [Fact]
    public void Merge_passes_the_other_inputs_watermark_once_one_completes()
    {
        var left = new Subject<StreamItem<int>>();
        var right = new Subject<StreamItem<int>>();
        var output = new List<string>();
        using var _ = Streams.FromItems(left).Merge(Streams.FromItems(right)).Subscribe(i => output.Add(i.ToString()), () => output.Add("completed"));
        left.OnNext(StreamItem<int>.Watermark(20));
        right.OnNext(StreamItem<int>.Watermark(5));
        right.OnCompleted();
        left.OnNext(StreamItem<int>.Watermark(30));
        left.OnCompleted();
        Assert.Equal(["watermark 5", "watermark 20", "watermark 30", "completed"], output);
    }
}
