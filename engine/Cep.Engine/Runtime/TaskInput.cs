using Cep.Engine.Time;

namespace Cep.Engine.Runtime;

/// <summary>
/// One input of a task (one partition of one topic) without its value type, as the task's
/// merge loop sees it: a queue of decoded events in offset order, the head's timestamp, a
/// watermark generator advanced as events are released, and whether the input is caught up.
/// Owned by one task.
/// </summary>
internal abstract class TaskInput
{
    protected TaskInput(IPartitionCursor cursor, WatermarkGenerator watermarks, long endOffset)
    {
        Cursor = cursor;
        Watermarks = watermarks;
        EndOffset = endOffset;
        LastDataTicks = System.Diagnostics.Stopwatch.GetTimestamp(); // not idle before it had a chance
    }

    public IPartitionCursor Cursor { get; }

    public WatermarkGenerator Watermarks { get; }

    /// <summary>For bounded runs: the end this input had when the query started.</summary>
    public long EndOffset { get; }

    public abstract int Buffered { get; }

    public abstract long HeadTimestamp { get; }

    /// <summary>When this input last had data (processing time), for idleness.</summary>
    public long LastDataTicks { get; set; }

    /// <summary>Reads and decodes what the cursor has now; returns the records read.</summary>
    public abstract int Fill(TaskContextServices services);

    /// <summary>Pushes the head event into the graph and advances the watermark generator.</summary>
    public abstract void PushHead();

    public abstract void PushPunctuation(StreamItemKind kind, long timestamp);

    public abstract void Complete();
}
