using System.Collections.Concurrent;

namespace Cep.Engine.Runtime;

/// <summary>
/// A fixed number of dedicated threads that run query tasks (<c>--workers K</c>): at most K
/// tasks compute at once whatever the number of tasks, and a task's continuations come back to
/// these threads. A scheduler of its own so tasks do not compete with the host's I/O on the
/// .NET thread pool. Dispose after every task on it has ended. Thread-safe.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly BlockingCollection<Task> _queue = [];
    private readonly List<Thread> _threads;
    private readonly PoolScheduler _scheduler;

    public WorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Workers = workers;
        _scheduler = new PoolScheduler(this);
        _threads = Enumerable.Range(0, workers).Select(i => new Thread(Work) { IsBackground = true, Name = $"cep-worker-{i}" }).ToList();
        foreach (var thread in _threads)
        {
            thread.Start();
        }
    }

    public int Workers { get; }

    public TaskScheduler Scheduler => _scheduler;

    public void Dispose()
    {
        _queue.CompleteAdding();
        foreach (var thread in _threads)
        {
            thread.Join();
        }
        _queue.Dispose();
    }

    private void Work()
    {
        foreach (var task in _queue.GetConsumingEnumerable())
        {
            _scheduler.Execute(task);
        }
    }

    /// <summary>Queues tasks for the pool's threads; inlines only on them.</summary>
    private sealed class PoolScheduler(WorkerPool pool) : TaskScheduler
    {
        [ThreadStatic]
        private static bool _onWorker;

        public override int MaximumConcurrencyLevel => pool.Workers;

        public void Execute(Task task)
        {
            _onWorker = true;
            TryExecuteTask(task);
        }

        protected override void QueueTask(Task task) => pool._queue.Add(task);

        protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => _onWorker && TryExecuteTask(task);

        protected override IEnumerable<Task> GetScheduledTasks() => pool._queue.ToArray();
    }
}
