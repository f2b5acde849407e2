namespace Cep.Benchmarks;

/// <summary>How many flushes the log's files did and how long they took in total and at worst. Thread-safe.</summary>
internal sealed class FlushStats
{
    private readonly object _lock = new();
    private long _count;
    private TimeSpan _total;
    private TimeSpan _max;

    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _count;
            }
        }
    }

    public TimeSpan Total
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    public TimeSpan Max
    {
        get
        {
            lock (_lock)
            {
                return _max;
            }
        }
    }

    public void Record(TimeSpan elapsed)
    {
        lock (_lock)
        {
            _count++;
            _total += elapsed;
            if (elapsed > _max)
            {
                _max = elapsed;
            }
        }
    }

    public void Reset()
    {
        lock (_lock)
        {
            _count = 0;
            _total = TimeSpan.Zero;
            _max = TimeSpan.Zero;
        }
    }
}
