namespace Cep.Engine.Operators;

/// <summary>Passes the events the predicate accepts; punctuations always pass.</summary>
internal sealed class WhereOperator<T>(IObservable<StreamItem<T>> source, Func<T, bool> predicate) : IObservable<StreamItem<T>>
{
    public IDisposable Subscribe(IObserver<StreamItem<T>> observer) => new Sink(predicate, observer).Run(source);

    private sealed class Sink(Func<T, bool> predicate, IObserver<StreamItem<T>> downstream) : OperatorSink<T, T>(downstream)
    {
        public override void OnNext(StreamItem<T> item)
        {
            if (!item.IsEvent)
            {
                ForwardOnNext(item);
                return;
            }
            bool pass;
            try
            {
                pass = predicate(item.Value);
            }
            catch (Exception e)
            {
                Fail("Where", item, e);
                return;
            }
            if (pass)
            {
                ForwardOnNext(item);
            }
        }
    }
}
