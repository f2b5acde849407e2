using System.Reactive.Subjects;
using Cep.Engine;

namespace Cep.Engine.Tests;

/// <summary>Pushes items through a graph built on a subject and records what comes out.</summary>
internal static class Pipeline
{
    public static (List<StreamItem<TOut>> Items, Exception? Error, bool Completed) Run<TIn, TOut>(
        IEnumerable<StreamItem<TIn>> input, Func<Stream<TIn>, IObservable<StreamItem<TOut>>> build, bool complete = true)
    {
        var source = new Subject<StreamItem<TIn>>();
        var output = new List<StreamItem<TOut>>();
        Exception? error = null;
        bool completed = false;
        using var subscription = build(Streams.FromItems(source)).Subscribe(output.Add, e => error = e, () => completed = true);
        foreach (var item in input)
        {
            source.OnNext(item);
        }
        if (complete)
        {
            source.OnCompleted();
        }
        return (output, error, completed);
    }

    public static List<(TOut Value, long Timestamp)> Events<TIn, TOut>(IEnumerable<StreamItem<TIn>> input, Func<Stream<TIn>, IObservable<StreamItem<TOut>>> build, bool complete = true)
    {
        var (items, error, _) = Run(input, build, complete);
        Assert.Null(error);
        return items.Where(i => i.IsEvent).Select(i => (i.Value, i.Timestamp)).ToList();
    }

    public static StreamItem<T> E<T>(T value, long timestamp) => StreamItem<T>.Event(value, timestamp);

    public static StreamItem<T> W<T>(long watermark) => StreamItem<T>.Watermark(watermark);
}
