namespace Cep.Storage.Log;

/// <summary>
/// Group commit: appenders register the offset they need durable and wait; one flusher
/// thread fsyncs for all of them at once. The flush function reports the log end offset it
/// observed before its fsync, so every offset below it is durable once it returns; waiters
/// at or below are completed, later ones wait for the next round. While one fsync runs the
/// next group gathers, so throughput grows with the number of concurrent appenders. The
/// flusher thread starts on demand and ends after a second without waiters, so thousands of
/// idle partitions hold no threads. Thread-safe.
/// </summary>
internal sealed class GroupCommitter : IDisposable
{
    private readonly Func<long> _flush;
    private readonly string _name;
    private readonly object _lock = new();
    private readonly List<(long Offset, TaskCompletionSource Done)> _waiters = [];
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(1);

    private Thread? _thread;
    private long _durableOffset;
    private bool _disposed;

    public GroupCommitter(string name, long durableOffset, Func<long> flush)
    {
        _name = name;
        _durableOffset = durableOffset;
        _flush = flush;
    }

    /// <summary>Completes once every offset below <paramref name="endOffset"/> is durable.</summary>
    public Task WaitDurableAsync(long endOffset)
    {
        lock (_lock)
        {
            if (endOffset <= _durableOffset)
            {
                return Task.CompletedTask;
            }
            ObjectDisposedException.ThrowIf(_disposed, this);
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((endOffset, done));
            if (_thread is null)
            {
                _thread = new Thread(Run) { IsBackground = true, Name = $"group-commit {_name}" };
                _thread.Start();
            }
            else
            {
                Monitor.Pulse(_lock);
            }
            return done.Task;
        }
    }

    /// <summary>After a truncation: offsets at or above <paramref name="endOffset"/> will be written again and are not durable.</summary>
    public void ResetDurableOffset(long endOffset)
    {
        lock (_lock)
        {
            _durableOffset = Math.Min(_durableOffset, endOffset);
        }
    }

    /// <summary>Completes the waiters still pending (after a last flush) and stops the flusher.</summary>
    public void Dispose()
    {
        Thread? thread;
        lock (_lock)
        {
            _disposed = true;
            thread = _thread;
            Monitor.Pulse(_lock);
        }
        thread?.Join();
    }

    private void Run()
    {
        while (true)
        {
            lock (_lock)
            {
                while (_waiters.Count == 0 && !_disposed)
                {
                    if (!Monitor.Wait(_lock, IdleTimeout) && _waiters.Count == 0)
                    {
                        break;
                    }
                }
                if (_waiters.Count == 0)
                {
                    _thread = null; // the next waiter starts a new one
                    return;
                }
            }
            long durable;
            Exception? failure = null;
            try
            {
                durable = _flush();
            }
            catch (Exception e)
            {
                durable = -1;
                failure = e;
            }
            lock (_lock)
            {
                if (failure is null)
                {
                    _durableOffset = Math.Max(_durableOffset, durable);
                }
                for (int i = _waiters.Count - 1; i >= 0; i--)
                {
                    var (offset, done) = _waiters[i];
                    if (failure is not null)
                    {
                        done.TrySetException(new LogIOException($"flush of {_name} failed: {failure.Message}", failure));
                        _waiters.RemoveAt(i);
                    }
                    else if (offset <= _durableOffset)
                    {
                        done.TrySetResult();
                        _waiters.RemoveAt(i);
                    }
                }
            }
        }
    }
}
