namespace Cep.Engine.Operators;

/// <summary>Maps each event's value, keeping its time and origin.</summary>
internal sealed class SelectOperator<TIn, TOut>(IObservable<StreamItem<TIn>> source, Func<TIn, TOut> selector) : IObservable<StreamItem<TOut>>
{
    public IDisposable Subscribe(IObserver<StreamItem<TOut>> observer) => new Sink(selector, observer).Run(source);

    private sealed class Sink(Func<TIn, TOut> selector, IObserver<StreamItem<TOut>> downstream) : OperatorSink<TIn, TOut>(downstream)
    {
        public override void OnNext(StreamItem<TIn> item)
        {
            if (!item.IsEvent)
            {
                ForwardPunctuation(item);
                return;
            }
            TOut result;
            try
            {
                result = selector(item.Value);
            }
            catch (Exception e)
            {
                Fail("Select", item, e);
                return;
            }
            ForwardOnNext(item.With(result));
        }
    }
}
