namespace Cep.Engine.Runtime;

/// <summary>
/// One input of a task (one partition of one topic) without its value type, as the task's
/// merge loop sees it: a queue of decoded events in offset order, the head's timestamp, the
/// input's watermark, and whether it is finished. Inputs are grouped: the task merges and
/// watermarks each group on its own (the query's source topics are group 0; each repartition
/// topic, fed by the query's own tasks, is a group of its own). Owned by one task.
/// </summary>
internal abstract class TaskInput
{
    private long _pushedWatermark = long.MinValue;

    protected TaskInput(IPartitionCursor cursor, int group)
    {
        Cursor = cursor;
        Group = group;
        LastDataTicks = System.Diagnostics.Stopwatch.GetTimestamp(); // not idle before it had a chance
    }

    public IPartitionCursor Cursor { get; }

    public int Group { get; }

    public abstract int Buffered { get; }

    public abstract long HeadTimestamp { get; }

    /// <summary>Every event with a timestamp at or below this has been released into the graph (long.MinValue before any).</summary>
    public abstract long Watermark { get; }

    /// <summary>The last watermark the task pushed into this input (long.MinValue before any); written by the task, read by progress reports.</summary>
    public long PushedWatermark
    {
        get => Volatile.Read(ref _pushedWatermark);
        set => Volatile.Write(ref _pushedWatermark, value);
    }

    /// <summary>The offset of the next record the graph will get: the cursor's position less what is read ahead (offsets of a compacted topic's gaps aside).</summary>
    public long ProcessedPosition => Cursor.Position - Buffered;

    /// <summary>The input's own idleness (its watermark strategy's), or null for the query's default.</summary>
    public TimeSpan? Idleness { get; init; }

    /// <summary>When this input last had data (processing time), for idleness.</summary>
    public long LastDataTicks { get; set; }

    /// <summary>True when no more records will come (bounded runs end, or every upstream task ended).</summary>
    public abstract bool IsFinished(bool stopAtEnd);

    /// <summary>Reads and decodes what the cursor has now; returns the records read.</summary>
    public abstract int Fill(TaskContextServices services);

    /// <summary>Pushes the head event into the graph.</summary>
    public abstract void PushHead();

    public abstract void PushPunctuation(StreamItemKind kind, long timestamp);

    public abstract void Complete();
}
