using System.Globalization;
using System.Text.RegularExpressions;
using Cep.Engine.Patterns;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests.Patterns;

/// <summary>
/// The examples of Flink SQL's MATCH_RECOGNIZE documentation
/// (docs/content/docs/dev/table/sql/queries/match_recognize.md), transcribed: the documented
/// PATTERN text and input rows (the tables pasted as they are), DEFINE as C# conditions and
/// MEASURES as a selector, against the documented output rows. SQL's navigation maps onto
/// the conditions' context: inside X's own condition, <c>LAST(X.price, 1)</c> is the last row
/// bound to X so far (<c>match.Events("X")[^1]</c>, the row being tested is offset 0), and an
/// aggregate over X adds the row being tested to <c>match.Events("X")</c>. What the examples
/// settle: under a skip strategy a completed match waits for earlier-started partial matches
/// (aggregation, greedy quantifier), WITHIN includes its end (time constraint), and without
/// AFTER MATCH the skip is PAST LAST ROW (output mode).
/// </summary>
public sealed class MatchRecognizeConformanceTests
{
    private sealed record Ticker(string Symbol, long Price, long Tax, DateTime Rowtime);

    private const string StockTable = """
        'ACME'  '01-Apr-11 10:00:00'   12      1
        'ACME'  '01-Apr-11 10:00:01'   17      2
        'ACME'  '01-Apr-11 10:00:02'   19      1
        'ACME'  '01-Apr-11 10:00:03'   21      3
        'ACME'  '01-Apr-11 10:00:04'   25      2
        'ACME'  '01-Apr-11 10:00:05'   18      1
        'ACME'  '01-Apr-11 10:00:06'   15      1
        'ACME'  '01-Apr-11 10:00:07'   14      2
        'ACME'  '01-Apr-11 10:00:08'   24      2
        'ACME'  '01-Apr-11 10:00:09'   25      2
        'ACME'  '01-Apr-11 10:00:10'   19      1
        """;

    /// <summary>"Examples": periods of a constantly decreasing price.</summary>
    [Fact]
    public void Introductory_example_finds_the_period_of_falling_prices()
    {
        var define = new MatchDefinitions<Ticker>
        {
            { "PRICE_DOWN", (row, match) => match.Events("PRICE_DOWN") is { Count: > 0 } down ? row.Price < down[^1].Price : row.Price < match.Events("START_ROW")[^1].Price },
            // "larger than the price of the last row that met the PRICE_DOWN condition", as the page explains it.
            { "PRICE_UP", (row, match) => row.Price > match.Events("PRICE_DOWN")[^1].Price },
        };
        var rows = Run(StockTable, """
            AFTER MATCH SKIP TO LAST PRICE_UP
            PATTERN (START_ROW PRICE_DOWN+ PRICE_UP)
            """, define, m => $"{m["START_ROW"][0].Symbol} {Time(m["START_ROW"][^1])} {Time(m["PRICE_DOWN"][^1])} {Time(m["PRICE_UP"][^1])}");
        Assert.Equal(["ACME 01-APR-11 10:00:04 01-APR-11 10:00:07 01-APR-11 10:00:08"], rows);
    }

    /// <summary>
    /// "Aggregations": the longest periods whose average price stays below 15. Documented:
    /// 10:00:00–10:00:03 (14.5) and 10:00:05–10:00:10 (13.5). The match starting at 10:00:07
    /// (10, 15; then 25) completes at 10:00:09, before the documented one starting at 10:00:05
    /// completes at 10:00:11: it is held back while that earlier-started partial match is alive
    /// (as Flink's NFA does under a skip strategy), then discarded by its SKIP PAST LAST ROW.
    /// </summary>
    [Fact]
    public void Aggregation_example_finds_the_periods_with_an_average_below_15()
    {
        Assert.Equal(["10:00:00 10:00:03 14.5", "10:00:05 10:00:10 13.5"], AggregationExample());
    }

    private static List<string> AggregationExample()
    {
        const string table = """
            'ACME'  '01-Apr-11 10:00:00'   12      1
            'ACME'  '01-Apr-11 10:00:01'   17      2
            'ACME'  '01-Apr-11 10:00:02'   13      1
            'ACME'  '01-Apr-11 10:00:03'   16      3
            'ACME'  '01-Apr-11 10:00:04'   25      2
            'ACME'  '01-Apr-11 10:00:05'   2       1
            'ACME'  '01-Apr-11 10:00:06'   4       1
            'ACME'  '01-Apr-11 10:00:07'   10      2
            'ACME'  '01-Apr-11 10:00:08'   15      2
            'ACME'  '01-Apr-11 10:00:09'   25      2
            'ACME'  '01-Apr-11 10:00:10'   25      1
            'ACME'  '01-Apr-11 10:00:11'   30      1
            """;
        var define = new MatchDefinitions<Ticker>
        {
            { "A", (row, match) => match.Events("A").Append(row).Average(r => r.Price) < 15 },
        };
        return Run(table, "AFTER MATCH SKIP PAST LAST ROW PATTERN (A+ B)", define,
            m => $"{m["A"][0].Rowtime:HH:mm:ss} {m["A"][^1].Rowtime:HH:mm:ss} {m["A"].Average(r => r.Price).ToString(CultureInfo.InvariantCulture)}");
    }

    private const string QuantifierTable = """
         XYZ     1     10       2018-09-17 10:00:02
         XYZ     2     11       2018-09-17 10:00:03
         XYZ     1     12       2018-09-17 10:00:04
         XYZ     2     13       2018-09-17 10:00:05
         XYZ     1     14       2018-09-17 10:00:06
         XYZ     2     16       2018-09-17 10:00:07
        """;

    private static MatchDefinitions<Ticker> QuantifierDefine => new()
    {
        { "A", row => row.Price > 10 },
        { "B", row => row.Price < 15 },
        { "C", row => row.Price > 12 },
    };

    /// <summary>
    /// "Greedy &amp; Reluctant Quantifiers": B* swallows 12, 13 and 14. The match starting at
    /// 12 (A 12, no B, C 13) completes at 13 while the documented one starting at 11 is still
    /// taking B rows: it is held back, then discarded by the earlier one's SKIP PAST LAST ROW
    /// (as the aggregation example). Greediness: the branch that has entered B does not leave
    /// it on 13 or 14.
    /// </summary>
    [Fact]
    public void Greedy_quantifier_example()
    {
        Assert.Equal(["XYZ 16"], GreedyExample());
        // Without skipping, the documented greedy match is among those found: B takes 12, 13 and 14.
        var all = Events(Rows(QuantifierTable).Select(r => E(r, new DateTimeOffset(r.Rowtime, TimeSpan.Zero).ToUnixTimeMilliseconds())),
            s => s.KeyBy(r => r.Symbol).Pattern(MatchRecognize.Parse("PATTERN (A B* C)", QuantifierDefine).WithSkipStrategy(AfterMatchSkipStrategy.NoSkip))
                .Select(m => string.Join(" ", m.Values.SelectMany(v => v).Select(r => r.Price))));
        Assert.Contains(("11 12 13 14 16", new DateTimeOffset(2018, 9, 17, 10, 0, 7, TimeSpan.Zero).ToUnixTimeMilliseconds()), all);
        Assert.DoesNotContain(all, m => m.Value == "11 12 13");
    }

    private static List<string> GreedyExample() =>
        Run(QuantifierTable, "AFTER MATCH SKIP PAST LAST ROW PATTERN (A B* C)", QuantifierDefine, m => $"{m["C"][0].Symbol} {m["C"][0].Price}");

    /// <summary>The same with B*?: B takes only the row with price 12.</summary>
    [Fact]
    public void Reluctant_quantifier_example()
    {
        var rows = Run(QuantifierTable, "AFTER MATCH SKIP PAST LAST ROW PATTERN (A B*? C)", QuantifierDefine, m => $"{m["C"][0].Symbol} {m["C"][0].Price}");
        Assert.Equal(["XYZ 13", "XYZ 16"], rows);
    }

    private const string TimeConstraintTable = """
        'ACME'  '01-Apr-11 10:00:00'   20      1
        'ACME'  '01-Apr-11 10:20:00'   17      2
        'ACME'  '01-Apr-11 10:40:00'   18      1
        'ACME'  '01-Apr-11 11:00:00'   11      3
        'ACME'  '01-Apr-11 11:20:00'   14      2
        'ACME'  '01-Apr-11 11:40:00'   9       1
        'ACME'  '01-Apr-11 12:00:00'   15      1
        'ACME'  '01-Apr-11 12:20:00'   14      2
        'ACME'  '01-Apr-11 12:40:00'   24      2
        'ACME'  '01-Apr-11 13:00:00'   1       2
        'ACME'  '01-Apr-11 13:20:00'   19      1
        """;

    private static List<string> TimeConstraintExample(string within)
    {
        var define = new MatchDefinitions<Ticker>
        {
            { "B", (row, match) => row.Price > match.Events("A")[^1].Price - 10 },
            { "C", (row, match) => row.Price < match.Events("A")[^1].Price - 10 },
        };
        return Run(TimeConstraintTable, $"AFTER MATCH SKIP PAST LAST ROW PATTERN (A B* C) WITHIN {within}", define,
            m => $"'{m["C"][0].Symbol}'  '{m["C"][0].Rowtime:dd-MMM-yy HH:mm:ss}'  {m["A"][0].Price - m["C"][0].Price}");
    }

    /// <summary>
    /// "Time constraint": a drop of more than 10 within an hour; documented as the drop from 15
    /// (12:00) to 1 (13:00). That match spans exactly the hour: WITHIN includes its end.
    /// </summary>
    [Fact]
    public void Time_constraint_example_finds_the_drop_within_an_hour()
    {
        Assert.Equal(["'ACME'  '01-Apr-11 13:00:00'  14"], TimeConstraintExample("INTERVAL '1' HOUR"));
        // One millisecond less and that match no longer fits: the drop from 14 (12:20) is found.
        Assert.Equal(["'ACME'  '01-Apr-11 13:00:00'  13"], TimeConstraintExample("3599999ms"));
        // Without the window, the larger but slower drop from 20 (10:00) to 9 (11:40) is found first.
        Assert.Equal("'ACME'  '01-Apr-11 11:40:00'  11", TimeConstraintExample("2h")[0]);
    }

    /// <summary>
    /// "Output Mode": no AFTER MATCH clause, so the default applies: SKIP PAST LAST ROW (the SQL
    /// standard's). Documented: one row (10, 13, 11). Under SKIP TO NEXT ROW the matches
    /// starting at 12 and at 13 are found too (A increasing, B below the last A holds for them).
    /// </summary>
    [Fact]
    public void Output_mode_example_gives_one_row_per_match()
    {
        Assert.Equal(["XYZ 10 13 11"], OutputModeExample(""));
        Assert.Equal(["XYZ 10 13 11", "XYZ 12 13 11", "XYZ 13 13 11"], OutputModeExample("AFTER MATCH SKIP TO NEXT ROW"));
    }

    private static List<string> OutputModeExample(string skip)
    {
        const string table = """
             XYZ      1     10       2018-09-17 10:00:02
             XYZ      2     12       2018-09-17 10:00:03
             XYZ      1     13       2018-09-17 10:00:04
             XYZ      2     11       2018-09-17 10:00:05
            """;
        var define = new MatchDefinitions<Ticker>
        {
            { "A", (row, match) => match.Events("A") is not { Count: > 0 } a || row.Price > a[^1].Price },
            { "B", (row, match) => row.Price < match.Events("A")[^1].Price },
        };
        return Run(table, $"{skip} PATTERN (A+ B)", define, m => $"{m["A"][0].Symbol} {m["A"][0].Price} {m["A"][^1].Price} {m["B"][0].Price}");
    }

    /// <summary>
    /// "Pattern Variable Referencing": B AS B.price &gt; A.price AND SUM(price) &lt; 100 AND
    /// SUM(B.price) &lt; 80 maps #2–#4 to B and not #5. The page documents the mapping, not
    /// output rows: the longest match (every count of the last variable is a match of its own)
    /// is A #1 and B #2, #3, #4.
    /// </summary>
    [Fact]
    public void Pattern_variable_referencing_example_maps_the_documented_rows()
    {
        var define = new MatchDefinitions<Ticker>
        {
            { "A", row => row.Price >= 10 },
            {
                "B", (row, match) => row.Price > match.Events("A")[^1].Price
                    && match.Events("A").Concat(match.Events("B")).Sum(r => r.Price) + row.Price < 100
                    && match.Events("B").Sum(r => r.Price) + row.Price < 80
            },
        };
        Assert.Equal("A 10 B 15 20 31", Longest(Prices(10, 15, 20, 31, 35), "PATTERN (A B+)", define));
    }

    /// <summary>"Logical Offsets": B rising, and more than twice its second-last; 35 is not mapped (35 &lt; 2 × 20).</summary>
    [Fact]
    public void Logical_offsets_example_maps_the_documented_rows()
    {
        var define = new MatchDefinitions<Ticker>
        {
            { "A", row => row.Price >= 10 },
            {
                "B", (row, match) => match.Events("B") is var b
                    && (b.Count < 1 || row.Price > b[^1].Price)
                    && (b.Count < 2 || row.Price > 2 * b[^2].Price)
            },
        };
        Assert.Equal("A 10 B 15 20 31", Longest(Prices(10, 15, 20, 31, 35), "PATTERN (A B+)", define));
    }

    /// <summary>"Logical Offsets" with the default variable: LAST(price, 1) is the row mapped last to any variable, B's when B is mapped and A's when not.</summary>
    [Fact]
    public void Logical_offsets_over_all_variables_example_maps_the_documented_rows()
    {
        var define = new MatchDefinitions<Ticker>
        {
            { "B", row => row.Price < 20 },
            { "C", (row, match) => (match.Events("B") is { Count: > 0 } b ? b[^1] : match.Events("A")[^1]).Price < row.Price },
        };
        Assert.Equal("A 10 B 15 C 20", Longest(Prices(10, 15, 20), "PATTERN (A B? C)", define));
        Assert.Equal("A 10 C 20", Longest(Prices(10, 20), "PATTERN (A B? C)", define));
    }

    private const string SkipTable = """
         XYZ      1     7       2018-09-17 10:00:01
         XYZ      2     9       2018-09-17 10:00:02
         XYZ      1     10      2018-09-17 10:00:03
         XYZ      2     5       2018-09-17 10:00:04
         XYZ      2     10      2018-09-17 10:00:05
         XYZ      2     7       2018-09-17 10:00:06
         XYZ      2     14      2018-09-17 10:00:07
        """;

    /// <summary>"After Match Strategy": PATTERN (A+ C), A AS SUM(A.price) &lt; 30, under each strategy.</summary>
    [Theory]
    [InlineData("AFTER MATCH SKIP PAST LAST ROW", "26 10:00:01 10:00:04|17 10:00:05 10:00:07")]
    [InlineData("AFTER MATCH SKIP TO NEXT ROW", "26 10:00:01 10:00:04|24 10:00:02 10:00:05|25 10:00:03 10:00:06|22 10:00:04 10:00:07|17 10:00:05 10:00:07")]
    [InlineData("AFTER MATCH SKIP TO LAST A", "26 10:00:01 10:00:04|25 10:00:03 10:00:06|17 10:00:05 10:00:07")]
    public void After_match_strategy_examples(string skip, string documented)
    {
        var define = new MatchDefinitions<Ticker>
        {
            { "A", (row, match) => match.Events("A").Sum(r => r.Price) + row.Price < 30 },
        };
        var rows = Run(SkipTable, $"{skip} PATTERN (A+ C)", define,
            m => $"{m["A"].Sum(r => r.Price)} {m["A"][0].Rowtime:HH:mm:ss} {m["C"][^1].Rowtime:HH:mm:ss}");
        Assert.Equal(documented.Split('|'), rows);
    }

    /// <summary>"AFTER MATCH SKIP TO FIRST A … is prohibited" (a runtime exception in Flink): here the query fails when it is built.</summary>
    [Fact]
    public void Skip_to_first_of_the_first_variable_is_refused()
    {
        var e = Assert.Throws<MalformedPatternException>(() => MatchRecognize.Parse<Ticker>("AFTER MATCH SKIP TO FIRST A PATTERN (A+ C)"));
        Assert.Equal("A", e.StepName);
        Assert.Equal(27, e.Column);
    }

    /// <summary>"Patterns that can potentially produce an empty match are not supported", e.g. (A*), (A? B*), (A{0,} B{0,} C*).</summary>
    [Theory]
    [InlineData("PATTERN (A*)")]
    [InlineData("PATTERN  (A? B*)")]
    [InlineData("PATTERN (A{0,} B{0,} C*)")]
    public void Patterns_that_could_match_no_rows_are_refused(string text)
    {
        Assert.Contains("every step is optional", Assert.Throws<MalformedPatternException>(() => MatchRecognize.Parse<Ticker>(text)).Message);
    }

    /// <summary>"Known Limitations": groups, alternation, PERMUTE, anchors, exclusion and the reluctant optional quantifier are refused with their column.</summary>
    [Theory]
    [InlineData("PATTERN (A (B C)+)", 12)]
    [InlineData("PATTERN((A B | C D) E)", 9)]
    [InlineData("PATTERN (PERMUTE (A, B, C))", 18)]
    [InlineData("PATTERN (^A B$)", 10)]
    [InlineData("PATTERN ({- A -} B)", 10)]
    [InlineData("PATTERN (A??)", 12)]
    public void Unsupported_features_are_refused(string text, int column)
    {
        Assert.Equal(column, Assert.Throws<MalformedPatternException>(() => MatchRecognize.Parse<Ticker>(text)).Column);
    }

    private static List<string> Run(string table, string pattern, MatchDefinitions<Ticker> define, Func<IReadOnlyDictionary<string, IReadOnlyList<Ticker>>, string> measures) =>
        Events(Rows(table).Select(r => E(r, new DateTimeOffset(r.Rowtime, TimeSpan.Zero).ToUnixTimeMilliseconds())),
                s => s.KeyBy(r => r.Symbol).MatchRecognize(pattern, define, measures))
            .Select(e => e.Value)
            .ToList();

    /// <summary>The longest match under no skipping at all, as "VAR price …": which rows the conditions map to which variable.</summary>
    private static string Longest(IEnumerable<Ticker> rows, string pattern, MatchDefinitions<Ticker> define) =>
        Events(rows.Select(r => E(r, new DateTimeOffset(r.Rowtime, TimeSpan.Zero).ToUnixTimeMilliseconds())),
                s => s.KeyBy(r => r.Symbol).Pattern(MatchRecognize.Parse(pattern, define).WithSkipStrategy(AfterMatchSkipStrategy.NoSkip))
                    .Select(m => string.Join(" ", m.Select(v => $"{v.Key} {string.Join(" ", v.Value.Select(r => r.Price))}"))))
            .Select(e => e.Value)
            .MaxBy(m => m.Length)!;

    private static IEnumerable<Ticker> Prices(params long[] prices) =>
        prices.Select((p, i) => new Ticker("XYZ", p, 1, new DateTime(2018, 9, 17, 10, 0, 0, DateTimeKind.Utc).AddSeconds(i)));

    /// <summary>Rows of a documented table: the Ticker layout ('ACME'  '01-Apr-11 10:00:00'  price  tax) or the XYZ one (symbol  tax  price  rowtime).</summary>
    private static IEnumerable<Ticker> Rows(string table) => table.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(line =>
    {
        if (Regex.Match(line, @"^'(\w+)'\s+'([^']+)'\s+(\d+)\s+(\d+)$") is { Success: true } ticker)
        {
            return new Ticker(ticker.Groups[1].Value, long.Parse(ticker.Groups[3].Value, CultureInfo.InvariantCulture), long.Parse(ticker.Groups[4].Value, CultureInfo.InvariantCulture),
                DateTime.ParseExact(ticker.Groups[2].Value, "dd-MMM-yy HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
        }
        var xyz = Regex.Match(line, @"^(\w+)\s+(\d+)\s+(\d+)\s+(\S+ \S+)$");
        Assert.True(xyz.Success, line);
        return new Ticker(xyz.Groups[1].Value, long.Parse(xyz.Groups[3].Value, CultureInfo.InvariantCulture), long.Parse(xyz.Groups[2].Value, CultureInfo.InvariantCulture),
            DateTime.ParseExact(xyz.Groups[4].Value, "yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal));
    });

    private static string Time(Ticker row) => row.Rowtime.ToString("dd-MMM-yy HH:mm:ss", CultureInfo.InvariantCulture).ToUpperInvariant();
}
