using Cep.Engine;
using Cep.Engine.Joins;

namespace Cep.Engine.Tests;

/// <summary>
/// The KStream-KStream join semantics table of the Kafka Streams developer guide ("Joining" →
/// "KStream-KStream Join", docs/streams/developer-guide/dsl-api.html, 3.x after the spurious
/// left/outer result fix, KAFKA-10847, 3.1): documented input → documented output, for join,
/// leftJoin and outerJoin. The table assumes one key, records processed in timestamp order,
/// a join window of 10 seconds (JoinWindows.ofTimeDifferenceAndGrace: |t1 − t2| ≤ 10 s) and a
/// grace period of 5 seconds. Its timestamps are in seconds.
/// <para>
/// Before 3.1 (and still with the deprecated JoinWindows.of(...).grace(...)) the table's
/// row 3 read [A, null] under LEFT JOIN and OUTER JOIN: left/outer results were emitted eagerly
/// when a record found no match yet, and again as [A, a] once it did. The current table leaves
/// row 3 empty and adds rows 40–100, where [E, null], [F, null] and [null, f] appear only once
/// stream time has passed the record's time + 10 s + 5 s grace. We implement the current one.
/// </para>
/// <para>
/// How the table maps onto Cep: Kafka's stream time (the largest timestamp the join has seen,
/// across both inputs) is a watermark of stream time − 1 ms on both inputs, sent after each
/// record. Kafka ignores records with a null value in stream-stream joins (null means "no
/// record" there); Cep streams have no tombstones and join every event, so the null rows are
/// filtered out before the join, which is what Kafka does with them.
/// </para>
/// </summary>
public sealed class KafkaStreamsJoinConformanceTests
{
    private const string Inner = "inner", Left = "left", Outer = "outer";

    /// <summary>The documented table, row by row: time (s), side, value, and what each join emits at that row.</summary>
    private static readonly (int Time, char Side, string? Value, string[] Inner, string[] Left, string[] Outer)[] Table =
    [
        (1, 'L', null, [], [], []),
        (2, 'R', null, [], [], []),
        (3, 'L', "A", [], [], []),
        (4, 'R', "a", ["[A, a]"], ["[A, a]"], ["[A, a]"]),
        (5, 'L', "B", ["[B, a]"], ["[B, a]"], ["[B, a]"]),
        (6, 'R', "b", ["[A, b]", "[B, b]"], ["[A, b]", "[B, b]"], ["[A, b]", "[B, b]"]),
        (7, 'L', null, [], [], []),
        (8, 'R', null, [], [], []),
        (9, 'L', "C", ["[C, a]", "[C, b]"], ["[C, a]", "[C, b]"], ["[C, a]", "[C, b]"]),
        (10, 'R', "c", ["[A, c]", "[B, c]", "[C, c]"], ["[A, c]", "[B, c]", "[C, c]"], ["[A, c]", "[B, c]", "[C, c]"]),
        (11, 'R', null, [], [], []),
        (12, 'L', null, [], [], []),
        (13, 'R', null, [], [], []),
        (14, 'R', "d", ["[A, d]", "[B, d]", "[C, d]"], ["[A, d]", "[B, d]", "[C, d]"], ["[A, d]", "[B, d]", "[C, d]"]),
        (15, 'L', "D", ["[D, a]", "[D, b]", "[D, c]", "[D, d]"], ["[D, a]", "[D, b]", "[D, c]", "[D, d]"], ["[D, a]", "[D, b]", "[D, c]", "[D, d]"]),
        (40, 'L', "E", [], [], []),
        (60, 'L', "F", [], ["[E, null]"], ["[E, null]"]),
        (80, 'R', "f", [], ["[F, null]"], ["[F, null]"]),
        (100, 'L', "G", [], [], ["[null, f]"]),
    ];

    /// <summary>
    /// The table verbatim. Its rows 14 and 15 list [A, d] (3 s and 14 s) and [D, a] (15 s and
    /// 4 s), 11 s apart: they come from the pre-3.1 table, which assumed every record in one
    /// window, and contradict its own 10 s window. Every other row holds for any difference
    /// from 10 to 14 s with 5 s grace, so with 11 to 14 s the whole table holds as printed.
    /// </summary>
    [Theory]
    [InlineData(Inner, 11)]
    [InlineData(Left, 11)]
    [InlineData(Outer, 11)]
    [InlineData(Outer, 14)]
    public void The_documented_table_holds_row_by_row(string kind, int differenceSeconds)
    {
        var rows = Run(kind, differenceSeconds);
        for (int i = 0; i < Table.Length; i++)
        {
            Assert.True(Expected(Table[i], kind).SequenceEqual(rows[i]), $"row {Table[i].Time}: expected [{string.Join(", ", Expected(Table[i], kind))}], got [{string.Join(", ", rows[i])}]");
        }
    }

    /// <summary>With the documented 10 s window, the table holds except for the two pairs 11 s apart (see above).</summary>
    [Theory]
    [InlineData(Inner)]
    [InlineData(Left)]
    [InlineData(Outer)]
    public void With_the_documented_ten_second_window_only_the_pairs_eleven_seconds_apart_differ(string kind)
    {
        var rows = Run(kind, differenceSeconds: 10);
        for (int i = 0; i < Table.Length; i++)
        {
            var expected = Expected(Table[i], kind).Where(r => r is not "[A, d]" and not "[D, a]");
            Assert.True(expected.SequenceEqual(rows[i]), $"row {Table[i].Time}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", rows[i])}]");
        }
    }

    [Fact]
    public void Results_carry_the_later_time_of_a_pair_and_an_unmatched_record_its_own_time()
    {
        var times = new Dictionary<string, long>();
        using var join = Harness(Outer, 10);
        foreach (var row in Table)
        {
            Push(join, row);
        }
        foreach (var item in join.Output.Where(i => i.IsEvent))
        {
            times[item.Value] = item.Timestamp / 1000;
        }
        Assert.Equal(14, times["[B, d]"]);
        Assert.Equal(15, times["[D, b]"]);
        Assert.Equal(40, times["[E, null]"]);
        Assert.Equal(60, times["[F, null]"]);
        Assert.Equal(80, times["[null, f]"]);
    }

    private static string[] Expected((int Time, char Side, string? Value, string[] Inner, string[] Left, string[] Outer) row, string kind) =>
        kind switch
        {
            Inner => row.Inner,
            Left => row.Left,
            Outer => row.Outer,
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

    /// <summary>What the join emits at each row of the table.</summary>
    private static List<List<string>> Run(string kind, int differenceSeconds)
    {
        using var join = Harness(kind, differenceSeconds);
        var rows = new List<List<string>>();
        foreach (var row in Table)
        {
            Push(join, row);
            rows.Add(join.DrainEvents());
        }
        Assert.Null(join.Error);
        return rows;
    }

    private static void Push(TwoInputs<string?, string?, string> join, (int Time, char Side, string? Value, string[], string[], string[]) row)
    {
        long ms = row.Time * 1000L;
        if (row.Side == 'L')
        {
            join.Left(row.Value, ms);
        }
        else
        {
            join.Right(row.Value, ms);
        }
        join.Watermark(ms - 1);
    }

    private static TwoInputs<string?, string?, string> Harness(string kind, int differenceSeconds)
    {
        var windows = JoinWindows.OfTimeDifference(TimeSpan.FromSeconds(differenceSeconds)).WithGrace(TimeSpan.FromSeconds(5));
        return new TwoInputs<string?, string?, string>((left, right) =>
        {
            var l = left.Where(v => v is not null).KeyBy(_ => "key");
            var r = right.Where(v => v is not null).KeyBy(_ => "key");
            return kind switch
            {
                Inner => l.Join(r, windows, (a, b) => $"[{a}, {b}]"),
                Left => l.LeftJoin(r, windows, (a, b) => $"[{a}, {b}]"),
                Outer => l.OuterJoin(r, windows, (a, b) => $"[{a}, {b}]"),
                _ => throw new ArgumentOutOfRangeException(nameof(kind)),
            };
        });
    }
}
