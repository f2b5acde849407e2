using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cep.Engine.Runtime;

/// <summary>How a query runs. Immutable.</summary>
public sealed record QueryOptions
{
    /// <summary>Bad input: stop, or send to <see cref="DeadLetterTopic"/>.</summary>
    public ErrorPolicy OnBadRecord { get; init; } = ErrorPolicy.Stop;

    /// <summary>Where bad records go under <see cref="ErrorPolicy.DeadLetter"/> (created by the host).</summary>
    public string? DeadLetterTopic { get; init; }

    /// <summary>Stop when every input reaches the end it had when the query started (a bounded run: replays, tests); windows then close.</summary>
    public bool StopAtEnd { get; init; }

    /// <summary>
    /// How long (unless the input's watermark strategy says otherwise, WithIdleness) a task with
    /// several inputs waits for a silent input before treating it as idle
    /// (it then no longer holds back the merge or the watermark). Waiting keeps the merge
    /// deterministic at the live edge; an idle input makes it depend on timing.
    /// </summary>
    public TimeSpan InputIdleness { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Records pushed through the graph between output flushes: the bound on buffered output (backpressure).</summary>
    public int MaxRecordsPerIteration { get; init; } = 10_000;

    /// <summary>
    /// Where tasks keep their state (RocksDB, checkpoints under <c>&lt;dir&gt;/&lt;query&gt;/task-&lt;n&gt;</c>);
    /// null: state in memory only, and a restarted query starts again from offset zero. With a
    /// directory, a restarted query resumes from its last checkpoint and writes its outputs
    /// exactly once (as an idempotent producer).
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>How often a task checkpoints (it also does on graceful stop and at the end of a bounded run).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many complete checkpoints each task keeps.</summary>
    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>Where the query's operators log (e.g. a pattern's partial-match cap biting); none by default.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
