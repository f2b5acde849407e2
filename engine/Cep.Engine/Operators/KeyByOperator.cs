namespace Cep.Engine.Operators;

/// <summary>Attaches a key to each event's value.</summary>
internal sealed class KeyByOperator<T, TKey>(IObservable<StreamItem<T>> source, Func<T, TKey> keySelector) : IObservable<StreamItem<Keyed<TKey, T>>>
{
    public IDisposable Subscribe(IObserver<StreamItem<Keyed<TKey, T>>> observer) => new Sink(keySelector, observer).Run(source);

    private sealed class Sink(Func<T, TKey> keySelector, IObserver<StreamItem<Keyed<TKey, T>>> downstream) : OperatorSink<T, Keyed<TKey, T>>(downstream)
    {
        public override void OnNext(StreamItem<T> item)
        {
            if (!item.IsEvent)
            {
                ForwardPunctuation(item);
                return;
            }
            TKey key;
            try
            {
                key = keySelector(item.Value);
            }
            catch (Exception e)
            {
                Fail("KeyBy", item, e);
                return;
            }
            ForwardOnNext(item.With(new Keyed<TKey, T>(key, item.Value)));
        }
    }
}
