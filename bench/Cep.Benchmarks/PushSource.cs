namespace Cep.Benchmarks;

/// <summary>The cheapest source there is: remembers its one observer and lets the benchmark call OnNext directly. Owned by one thread.</summary>
internal sealed class PushSource<T> : IObservable<T>
{
    public IObserver<T> Observer { get; private set; } = null!;

    public IDisposable Subscribe(IObserver<T> observer)
    {
        Observer = observer;
        return System.Reactive.Disposables.Disposable.Empty;
    }
}
