using Cep.Engine;

namespace Cep.Benchmarks.Patterns;

/// <summary>Counts the events (matches) a pattern query emits and ignores punctuation. Owned by one thread.</summary>
internal sealed class MatchCounter<T> : IObserver<StreamItem<T>>
{
    public long Matches { get; private set; }

    public void OnNext(StreamItem<T> value)
    {
        if (value.IsEvent)
        {
            Matches++;
        }
    }

    public void OnError(Exception error) => throw error;

    public void OnCompleted()
    {
    }
}
