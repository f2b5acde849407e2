using Cep.Engine;
using Cep.Engine.State;

namespace Cep.Engine.Tests;

public sealed class SessionStoreTests
{
    [Fact]
    public void Sessions_close_in_end_order_even_after_growing_and_merged_ones_are_skipped()
    {
        var store = new InMemorySessionStore<string, int>();
        long a = store.Add("a", 0, 0, 1);
        long b = store.Add("b", 5, 5, 1);
        long a2 = store.Add("a", 20, 20, 1);
        store.Update("a", new Session<int>(0, 30, a, 3)); // a grew past b and merged a2
        store.Remove("a", a2);
        var closed = new List<KeyValuePair<string, Session<int>>>();

        store.CloseSessions(10, closed);
        Assert.Equal([("b", 5L)], closed.Select(c => (c.Key, c.Value.End)));
        Assert.Equal(1, store.SessionCount);

        closed.Clear();
        store.CloseSessions(30, closed);
        Assert.Equal([("a", 0L, 30L, 3)], closed.Select(c => (c.Key, c.Value.Start, c.Value.End, c.Value.Value)));
        Assert.Equal(30, store.LastClosedEnd("a"));
    }

    [Fact]
    public void A_key_is_forgotten_once_its_last_closed_session_is_old_enough_and_it_has_no_open_one()
    {
        var store = new InMemorySessionStore<string, int>();
        store.Add("a", 0, 10, 1);
        store.CloseSessions(10, []);
        store.ForgetClosed(9);
        Assert.Equal(10, store.LastClosedEnd("a"));
        store.ForgetClosed(10);
        Assert.Equal(long.MinValue, store.LastClosedEnd("a"));
    }

    [Fact]
    public void The_sliding_buffer_keeps_time_order_and_releases_pruned_keys()
    {
        var buffer = new KeyedEventBuffer<string, int>(new InMemoryKeyValueStore<string, List<StreamItem<int>>>());
        buffer.Insert("a", StreamItem<int>.Event(1, 10));
        buffer.Insert("a", StreamItem<int>.Event(2, 30));
        var events = buffer.Insert("a", StreamItem<int>.Event(3, 20));
        buffer.Insert("b", StreamItem<int>.Event(4, 5));
        Assert.Equal([1, 3, 2], events.Select(e => e.Value));
        buffer.Prune(20);
        Assert.Equal([2], events.Select(e => e.Value));
        Assert.Equal(1, buffer.KeyCount);
        buffer.Prune(30);
        Assert.Equal(0, buffer.KeyCount);
    }

    [Fact]
    public void A_sliding_buffer_over_a_store_that_already_holds_events_prunes_them()
    {
        // As after a restore: the store comes back with the events, the prune heap is rebuilt from it.
        var store = new InMemoryKeyValueStore<string, List<StreamItem<int>>>();
        store.Set("a", [StreamItem<int>.Event(1, 10), StreamItem<int>.Event(2, 30)]);
        store.Set("b", [StreamItem<int>.Event(3, 15)]);
        var buffer = new KeyedEventBuffer<string, int>(store);
        buffer.Prune(20);
        Assert.False(store.TryGet("b", out _));
        Assert.True(store.TryGet("a", out var events));
        Assert.Equal([2], events.Select(e => e.Value));
    }
}
