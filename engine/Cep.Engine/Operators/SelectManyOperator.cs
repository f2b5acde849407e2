namespace Cep.Engine.Operators;

/// <summary>Maps each event to zero or more values, each an event with the input's time and origin.</summary>
internal sealed class SelectManyOperator<TIn, TCollection, TOut>(
    IObservable<StreamItem<TIn>> source,
    Func<TIn, IEnumerable<TCollection>> collectionSelector,
    Func<TIn, TCollection, TOut> resultSelector) : IObservable<StreamItem<TOut>>
{
    public IDisposable Subscribe(IObserver<StreamItem<TOut>> observer) => new Sink(collectionSelector, resultSelector, observer).Run(source);

    private sealed class Sink(
        Func<TIn, IEnumerable<TCollection>> collectionSelector,
        Func<TIn, TCollection, TOut> resultSelector,
        IObserver<StreamItem<TOut>> downstream) : OperatorSink<TIn, TOut>(downstream)
    {
        public override void OnNext(StreamItem<TIn> item)
        {
            if (!item.IsEvent)
            {
                ForwardPunctuation(item);
                return;
            }
            // Results are computed before any is forwarded, so user code that throws half way
            // emits nothing for this event.
            List<TOut> results;
            try
            {
                results = [];
                foreach (var element in collectionSelector(item.Value))
                {
                    results.Add(resultSelector(item.Value, element));
                }
            }
            catch (Exception e)
            {
                Fail("SelectMany", item, e);
                return;
            }
            foreach (var result in results)
            {
                ForwardOnNext(item.With(result));
            }
        }
    }
}
