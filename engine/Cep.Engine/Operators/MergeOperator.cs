namespace Cep.Engine.Operators;

/// <summary>
/// Merges several streams of one type. Events pass as they arrive; the merged watermark is
/// the minimum of the inputs' watermarks (an input that has sent none holds it back), sent
/// only when it rises; a barrier passes once every input has sent it. Completes when all
/// inputs have; a completed input no longer holds the watermark back (see
/// <see cref="MultiInputClock"/>). Order across inputs is the order the task pushes them in,
/// which the runtime makes deterministic (DESIGN §4).
/// </summary>
internal sealed class MergeOperator<T>(IReadOnlyList<IObservable<StreamItem<T>>> sources) : IObservable<StreamItem<T>>
{
    public IDisposable Subscribe(IObserver<StreamItem<T>> observer)
    {
        var state = new MergeState(sources.Count, observer);
        for (int i = 0; i < sources.Count; i++)
        {
            state.Add(sources[i].Subscribe(new Input(state, i)));
        }
        return state;
    }

    private sealed class MergeState(int inputs, IObserver<StreamItem<T>> downstream) : IDisposable
    {
        private readonly MultiInputClock _clock = new(inputs);
        private readonly List<IDisposable> _subscriptions = [];
        private IObserver<StreamItem<T>> _downstream = downstream;

        public void Add(IDisposable subscription) => _subscriptions.Add(subscription);

        public void OnNext(int input, StreamItem<T> item)
        {
            switch (item.Kind)
            {
                case StreamItemKind.Event:
                    _downstream.OnNext(item);
                    break;
                case StreamItemKind.Watermark:
                    if (_clock.OnWatermark(input, item.Timestamp))
                    {
                        _downstream.OnNext(StreamItem<T>.Watermark(_clock.Watermark));
                    }
                    break;
                case StreamItemKind.Barrier:
                    if (_clock.OnBarrier(item.Timestamp))
                    {
                        _downstream.OnNext(item);
                    }
                    break;
                default:
                    throw new InvalidOperationException($"unknown item kind {item.Kind}");
            }
        }

        public void OnError(Exception error)
        {
            Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<T>>.Instance).OnError(error);
            Dispose();
        }

        public void OnCompleted(int input)
        {
            if (_clock.OnCompleted(input))
            {
                _downstream.OnNext(StreamItem<T>.Watermark(_clock.Watermark));
            }
            if (_clock.AllCompleted)
            {
                Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<T>>.Instance).OnCompleted();
                Dispose();
            }
        }

        public void Dispose()
        {
            _downstream = NopObserver<StreamItem<T>>.Instance;
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }
            _subscriptions.Clear();
        }
    }

    private sealed class Input(MergeState state, int index) : IObserver<StreamItem<T>>
    {
        public void OnNext(StreamItem<T> value) => state.OnNext(index, value);

        public void OnError(Exception error) => state.OnError(error);

        public void OnCompleted() => state.OnCompleted(index);
    }
}
