using Cep.Engine.Time;

namespace Cep.Engine.Operators;

/// <summary>Turns plain values into events (timestamped by the strategy) and emits the strategy's watermark whenever it rises.</summary>
internal sealed class TimestampedSource<T>(IObservable<T> source, WatermarkStrategy<T> strategy) : IObservable<StreamItem<T>>
{
    public IDisposable Subscribe(IObserver<StreamItem<T>> observer)
    {
        var sink = new Sink(strategy, observer);
        sink.Attach(source.Subscribe(sink));
        return sink;
    }

    private sealed class Sink(WatermarkStrategy<T> strategy, IObserver<StreamItem<T>> downstream) : IObserver<T>, IDisposable
    {
        private readonly Func<T, long> _timestampOf = strategy.TimestampAssigner!;
        private readonly WatermarkGenerator _generator = strategy.CreateGenerator();
        private IObserver<StreamItem<T>> _downstream = downstream;
        private IDisposable? _upstream;
        private long _watermark = long.MinValue;

        public void Attach(IDisposable upstream) => _upstream = upstream;

        public void OnNext(T value)
        {
            long timestamp;
            try
            {
                timestamp = _timestampOf(value);
            }
            catch (Exception e)
            {
                OnError(new OperatorException("Timestamp", default, e));
                return;
            }
            _downstream.OnNext(StreamItem<T>.Event(value, timestamp));
            _generator.OnEvent(timestamp);
            long watermark = _generator.Current;
            if (watermark > _watermark)
            {
                _watermark = watermark;
                _downstream.OnNext(StreamItem<T>.Watermark(watermark));
            }
        }

        public void OnError(Exception error)
        {
            Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<T>>.Instance).OnError(error);
            Dispose();
        }

        public void OnCompleted()
        {
            Interlocked.Exchange(ref _downstream, NopObserver<StreamItem<T>>.Instance).OnCompleted();
            Dispose();
        }

        public void Dispose()
        {
            _downstream = NopObserver<StreamItem<T>>.Instance;
            Interlocked.Exchange(ref _upstream, null)?.Dispose();
        }
    }
}
