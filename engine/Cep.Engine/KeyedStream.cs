using Cep.Engine.Windows;

namespace Cep.Engine;

/// <summary>A stream grouped by key: what windows and other per-key operators take. Not thread-safe (built and run by one task).</summary>
public sealed class KeyedStream<TKey, T> : IObservable<StreamItem<Keyed<TKey, T>>>
    where TKey : notnull
{
    private readonly IObservable<StreamItem<Keyed<TKey, T>>> _items;

    internal KeyedStream(IObservable<StreamItem<Keyed<TKey, T>>> items)
    {
        _items = items;
    }

    public IDisposable Subscribe(IObserver<StreamItem<Keyed<TKey, T>>> observer) => _items.Subscribe(observer);

    /// <summary>Groups the events of each key into time windows.</summary>
    public WindowedStream<TKey, T> Window(TimeWindows windows)
    {
        ArgumentNullException.ThrowIfNull(windows);
        return new(_items, windows);
    }

    /// <summary>The keyed events as a plain stream of key/value pairs.</summary>
    public Stream<Keyed<TKey, T>> ToStream() => new(_items);
}
