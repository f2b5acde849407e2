namespace Cep.Engine.Operators;

/// <summary>
/// Merges several streams of one type. Events pass as they arrive; the merged watermark is
/// the minimum of the inputs' watermarks (an input that has sent none holds it back), sent
/// only when it rises; a barrier passes once every input has sent it. Completes when all
/// inputs have. Order across inputs is the order the task pushes them in, which the runtime
/// makes deterministic (DESIGN §4).
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
        private readonly long[] _watermarks = Enumerable.Repeat(long.MinValue, inputs).ToArray();
        private readonly Dictionary<long, int> _barriers = [];
        private readonly List<IDisposable> _subscriptions = [];
        private IObserver<StreamItem<T>> _downstream = downstream;
        private long _watermark = long.MinValue;
        private int _completed;

        public void Add(IDisposable subscription) => _subscriptions.Add(subscription);

        public void OnNext(int input, StreamItem<T> item)
        {
            switch (item.Kind)
            {
                case StreamItemKind.Event:
                    _downstream.OnNext(item);
                    break;
                case StreamItemKind.Watermark:
                    _watermarks[input] = Math.Max(_watermarks[input], item.Timestamp);
                    long merged = _watermarks.Min();
                    if (merged > _watermark)
                    {
                        _watermark = merged;
                        _downstream.OnNext(StreamItem<T>.Watermark(merged));
                    }
                    break;
                case StreamItemKind.Barrier:
                    int seen = _barriers.GetValueOrDefault(item.Timestamp) + 1;
                    if (seen == inputs)
                    {
                        _barriers.Remove(item.Timestamp);
                        _downstream.OnNext(item);
                    }
                    else
                    {
                        _barriers[item.Timestamp] = seen;
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

        public void OnCompleted()
        {
            if (++_completed == inputs)
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

        public void OnCompleted() => state.OnCompleted();
    }
}
