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

    /// <summary>
    /// Identifies the query's code (scripts: the hash of their sources). Outputs are written as
    /// the producer of (query, task, version): a restarted run of the same version skips the
    /// records the log already has from it (exactly once), while a new version — whose output
    /// may differ — writes all of its own. Null: one version for ever.
    /// </summary>
    public string? Version { get; init; }

    /// <summary>
    /// Also write every task's state changes to the query's compacted changelog topic
    /// (<c>&lt;query&gt;-changelog</c>, a partition per task) at each checkpoint, and restore from
    /// it: a task can then move to a member on another machine (another daemon) with its state.
    /// Needs <see cref="StateDirectory"/>.
    /// </summary>
    public bool Changelog { get; init; }

    /// <summary>
    /// How many other members of the query's group keep a standby replica of each task's state
    /// (a warm copy following the changelog), so a task that moves restores from a recent local
    /// checkpoint instead of the whole changelog. Needs <see cref="Changelog"/>; 0: none.
    /// </summary>
    public int StandbyReplicas { get; init; }

    /// <summary>How many tasks the query runs (its changelog's partition count); set by the runtime.</summary>
    internal int TaskCount { get; init; } = 1;

    /// <summary>How often a task checkpoints (it also does on graceful stop and at the end of a bounded run).</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How many complete checkpoints each task keeps.</summary>
    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>Where every input starts when there is no checkpoint to resume from: this offset (clamped to the log's start and end; long.MaxValue: the end)…</summary>
    public long? StartOffset { get; init; }

    /// <summary>…or the first record at or after this time (the partition's end when none is); neither: offset 0.</summary>
    public DateTimeOffset? StartTime { get; init; }

    /// <summary>Create an output topic that does not exist (with the partition count of the query's first input) instead of failing; <c>cep run</c> does.</summary>
    public bool CreateMissingOutputs { get; init; }

    /// <summary>Every <c>To(...)</c> writes to this topic instead of its own: a replay of a query's history into a new topic.</summary>
    public string? OutputTopic { get; init; }

    /// <summary>Called for each input partition as a task opens it, with the offset it starts from and the end it had then (for progress and ETA).</summary>
    public Action<string, int, long, long>? OnInputOpened { get; init; }

    /// <summary>Called by each task after each iteration with the number of records it pushed (from task threads: must be thread-safe).</summary>
    public Action<int>? OnProgress { get; init; }

    /// <summary>Where the query's operators log (e.g. a pattern's partial-match cap biting); none by default.</summary>
    /// <summary>How often a running query compares its inputs' partition counts with its task count (a change fails it, saying so).</summary>
    public TimeSpan InputCheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The threads the query's tasks run on (a pool shared by every query of a host); null: the .NET thread pool.</summary>
    public WorkerPool? Workers { get; init; }

    /// <summary>Where <c>ToConsole</c> writes (standard output unless the host says otherwise).</summary>
    public TextWriter Console { get; init; } = System.Console.Out;

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}
