namespace Cep.Engine.Operators;

/// <summary>Turns a stream's events into table changes: the event's key and the value it sets (null: delete the key). Settings only; each subscription's sink is owned by one task.</summary>
internal sealed class TableChangesOperator<T, TKey, TValue>(IObservable<StreamItem<T>> source, Func<T, TKey> keySelector, Func<T, TValue?> valueSelector)
    : IObservable<StreamItem<Keyed<TKey, TValue?>>>
{
    public IDisposable Subscribe(IObserver<StreamItem<Keyed<TKey, TValue?>>> observer) => new Sink(keySelector, valueSelector, observer).Run(source);

    private sealed class Sink(Func<T, TKey> keySelector, Func<T, TValue?> valueSelector, IObserver<StreamItem<Keyed<TKey, TValue?>>> downstream)
        : OperatorSink<T, Keyed<TKey, TValue?>>(downstream)
    {
        public override void OnNext(StreamItem<T> item)
        {
            if (!item.IsEvent)
            {
                ForwardPunctuation(item);
                return;
            }
            TKey key;
            TValue? value;
            try
            {
                key = keySelector(item.Value);
            }
            catch (Exception e)
            {
                Fail("KeyBy", item, e);
                return;
            }
            try
            {
                value = valueSelector(item.Value);
            }
            catch (Exception e)
            {
                Fail("ToTable", item, e);
                return;
            }
            ForwardOnNext(item.With(new Keyed<TKey, TValue?>(key, value)));
        }
    }
}
