using System.Reactive.Linq;
using System.Reactive.Subjects;
using Cep.Engine;
using Cep.Engine.Time;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests;

public sealed class OperatorTests
{
    [Fact]
    public void Where_select_and_select_many_keep_event_times_and_pass_punctuations()
    {
        var input = new[] { E(1, 10), E(2, 20), W<int>(20), E(3, 30), StreamItem<int>.Barrier(7) };
        var (items, _, completed) = Run(input, s => s.Where(x => x != 2).Select(x => x * 10).SelectMany(x => new[] { x, x + 1 }));
        Assert.True(completed);
        Assert.Equal(["10@10", "11@10", "watermark 20", "30@30", "31@30", "barrier 7"], items.Select(i => i.ToString()));
    }

    [Fact]
    public void Query_syntax_builds_the_same_graph()
    {
        var input = new[] { E("a", 1), E("bb", 2), E("ccc", 3) };
        var events = Events(input, s =>
            from word in s
            where word.Length > 1
            from letter in word
            select $"{word}:{letter}");
        Assert.Equal(["bb:b", "bb:b", "ccc:c", "ccc:c", "ccc:c"], events.Select(e => e.Value));
    }

    [Fact]
    public void User_code_that_throws_stops_the_stream_naming_the_operator_and_the_origin()
    {
        var input = new[] { StreamItem<int>.Event(1, 1, new EventOrigin("orders", 2, 57)), StreamItem<int>.Event(0, 2, new EventOrigin("orders", 2, 58)), E(3, 3) };
        var (items, error, _) = Run(input, s => s.Select(x => 10 / x));
        Assert.Equal([10], items.Select(i => i.Value));
        var failure = Assert.IsType<OperatorException>(error);
        Assert.Equal("operator 'Select' failed on orders/2 offset 58: Attempted to divide by zero.", failure.Message);
        Assert.Equal(58L, failure.Origin.Offset);
    }

    [Fact]
    public void Merge_takes_the_minimum_watermark_and_waits_for_every_input()
    {
        var left = new Subject<StreamItem<string>>();
        var right = new Subject<StreamItem<string>>();
        var output = new List<string>();
        using var _ = Streams.FromItems(left).Merge(Streams.FromItems(right)).Subscribe(i => output.Add(i.ToString()));
        left.OnNext(E("l1", 5));
        left.OnNext(W<string>(5));
        right.OnNext(E("r1", 3));
        right.OnNext(W<string>(3));
        left.OnNext(W<string>(9));
        right.OnNext(W<string>(12));
        left.OnNext(StreamItem<string>.Barrier(1));
        right.OnNext(StreamItem<string>.Barrier(1));
        Assert.Equal(["l1@5", "r1@3", "watermark 3", "watermark 9", "barrier 1"], output);
    }

    [Fact]
    public async Task Plain_rx_goes_in_with_timestamps_and_watermarks_and_comes_out_as_values()
    {
        var orders = new[] { (Id: 1, At: 1000L), (Id: 2, At: 3000L), (Id: 3, At: 2000L) }.ToObservable();
        var strategy = WatermarkStrategy<(int Id, long At)>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(1)).WithTimestampAssigner(o => o.At);
        var stream = Streams.From(orders, strategy);
        var items = new List<string>();
        stream.Subscribe(i => items.Add(i.ToString()));
        Assert.Equal(["(1, 1000)@1000", "watermark -1", "(2, 3000)@3000", "watermark 1999", "(3, 2000)@2000"], items);
        var ids = await stream.Select(o => o.Id).ToObservable().ToList();
        Assert.Equal([1, 2, 3], ids);
        Assert.Throws<ArgumentException>(() => Streams.From(orders, WatermarkStrategy<(int, long)>.ForMonotonicTimestamps()));
    }
}
