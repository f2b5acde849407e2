namespace Cep.Engine.Operators;

/// <summary>Swallows everything: what a disposed sink forwards to.</summary>
internal sealed class NopObserver<T> : IObserver<T>
{
    public static readonly NopObserver<T> Instance = new();

    public void OnNext(T value)
    {
    }

    public void OnError(Exception error)
    {
    }

    public void OnCompleted()
    {
    }
}
