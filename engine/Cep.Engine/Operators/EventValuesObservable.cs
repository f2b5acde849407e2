namespace Cep.Engine.Operators;

/// <summary>The values of a stream's events as a plain observable; punctuations are dropped.</summary>
internal sealed class EventValuesObservable<T>(IObservable<StreamItem<T>> source) : IObservable<T>
{
    public IDisposable Subscribe(IObserver<T> observer) => source.Subscribe(new Values(observer));

    private sealed class Values(IObserver<T> observer) : IObserver<StreamItem<T>>
    {
        public void OnNext(StreamItem<T> item)
        {
            if (item.IsEvent)
            {
                observer.OnNext(item.Value);
            }
        }

        public void OnError(Exception error) => observer.OnError(error);

        public void OnCompleted() => observer.OnCompleted();
    }
}
