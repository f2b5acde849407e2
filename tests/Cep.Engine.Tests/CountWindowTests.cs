using Cep.Engine;
using Cep.Engine.Windows;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests;

public sealed class CountWindowTests
{
    private static StreamItem<Reading> R(string key, int value, long at) => E(new Reading(key, value), at);

    private static List<string> Sums(IEnumerable<StreamItem<Reading>> input, CountWindows windows, bool complete = true) =>
        Run(input, s => s.KeyBy(r => r.Key).Window(windows).Sum(r => r.Value), complete).Items
            .Select(i => i.IsEvent ? $"{i.Value.Key} {i.Value.Window} {i.Value.Value} @{i.Timestamp}" : i.ToString())
            .ToList();

    /// <summary>
    /// Every 3 events of a key give a result at the time of the third (the last to arrive),
    /// over the window from the earliest to the latest event time; at the end of the input the
    /// short windows left are emitted too, in the order their first events arrived.
    /// </summary>
    [Fact]
    public void Tumbling_count_windows_emit_every_n_events_per_key()
    {
        var input = new[]
        {
            R("a", 1, 10), R("b", 100, 11), R("a", 2, 30), W<Reading>(40), R("a", 4, 20),
            R("a", 8, 50), R("b", 200, 51), R("a", 16, 60), R("a", 32, 70), R("a", 64, 80),
        };
        Assert.Equal(
            ["watermark 40", "a [10, 31) 7 @20", "a [50, 71) 56 @70", "b [11, 52) 300 @51", "a [80, 81) 64 @80"],
            Sums(input, CountWindows.Tumbling(3)));
    }

    [Fact]
    public void Incomplete_windows_are_not_emitted_before_the_end_of_the_input()
    {
        Assert.Equal(["a [1, 3) 3 @2", "watermark 5"], Sums([R("a", 1, 1), R("a", 2, 2), R("a", 4, 3), W<Reading>(5)], CountWindows.Tumbling(2), complete: false));
    }

    /// <summary>Size 3, every 2 events: results after events 2, 4 and 6 over the last 3 (2 at first); at the end, the last 3 once more for event 7.</summary>
    [Fact]
    public void Sliding_count_windows_emit_the_last_n_events_every_m()
    {
        var input = Enumerable.Range(0, 7).Select(i => R("a", 1 << i, i * 10)).ToArray();
        Assert.Equal(
            ["a [0, 11) 3 @10", "a [10, 31) 14 @30", "a [30, 51) 56 @50", "a [40, 61) 112 @60"],
            Sums(input, CountWindows.Sliding(3, 2)));
    }

    [Fact]
    public void Count_windows_reject_nonsense_sizes()
    {
        Assert.Throws<ArgumentException>(() => CountWindows.Tumbling(0));
        Assert.Throws<ArgumentException>(() => CountWindows.Sliding(2, 3));
    }

    private readonly record struct Reading(string Key, int Value);
}
