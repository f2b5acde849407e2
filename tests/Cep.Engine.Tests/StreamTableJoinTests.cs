using Cep.Engine;

namespace Cep.Engine.Tests;

public sealed class StreamTableJoinTests
{
    private sealed record User(string Id, string? Name);

    private static TwoInputs<(string User, int Amount), User, string> Harness(bool left) =>
        new((orders, users) =>
        {
            var table = users.KeyBy(u => u.Id).ToTable(u => u.Name); // a null name deletes the user
            var keyed = orders.KeyBy(o => o.User);
            return left
                ? keyed.LeftJoin(table, (o, name) => $"{o.Amount}:{name.GetValueOrDefault("?")}")
                : keyed.Join(table, (o, name) => $"{o.Amount}:{name}");
        });

    [Theory]
    [InlineData(false, new[] { "2:ann@20", "3:anne@30" })]
    [InlineData(true, new[] { "1:?@10", "2:ann@20", "3:anne@30", "4:?@40", "5:?@50" })]
    public void Each_stream_event_joins_the_value_current_when_it_arrives_and_table_changes_emit_nothing(bool left, string[] expected)
    {
        using var join = Harness(left);
        join.Left(("u1", 1), 10); // before the user exists
        join.Right(new User("u1", "ann"), 15);
        join.Left(("u1", 2), 20);
        join.Right(new User("u1", "anne"), 25);
        join.Left(("u1", 3), 30);
        join.Right(new User("u1", null), 35); // tombstone
        join.Left(("u1", 4), 40);
        join.Left(("u2", 5), 50); // another key
        Assert.Equal(expected, join.Drain());
    }

    [Fact]
    public void Order_is_arrival_order_even_at_equal_times()
    {
        using var join = Harness(left: true);
        join.Left(("u1", 1), 10);
        join.Right(new User("u1", "ann"), 10);
        join.Left(("u1", 2), 10);
        Assert.Equal(["1:?@10", "2:ann@10"], join.Drain());
    }

    [Fact]
    public void The_watermark_is_the_minimum_of_stream_and_table_and_the_join_completes_with_both()
    {
        using var join = Harness(left: false);
        join.LeftWatermark(100);
        join.RightWatermark(50);
        join.CompleteRight(); // a bounded table no longer holds the stream back
        join.LeftWatermark(120);
        Assert.Equal(["watermark 50", "watermark 100", "watermark 120"], join.Drain());
        join.CompleteLeft();
        Assert.True(join.Completed);
    }

    [Fact]
    public void A_table_is_also_its_changelog()
    {
        var changes = Pipeline.Events([Pipeline.E(("a", (string?)"1"), 1), Pipeline.E(("a", (string?)null), 2)], s => s.KeyBy(e => e.Item1).ToTable(e => e.Item2).ToStream());
        Assert.Equal([new Keyed<string, string?>("a", "1"), new Keyed<string, string?>("a", null)], changes.Select(c => c.Value));
    }
}
