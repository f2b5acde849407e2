using System.Globalization;
using System.Text;
using Cep.Engine.State;
using Cep.Storage.State;

namespace Cep.Engine.Runtime;

/// <summary>
/// Writes a stream's events as lines to files in a directory, one set of files per task.
/// With checkpointed state the files are committed with the checkpoints, exactly once, in two
/// phases: lines go to <c>.part-&lt;task&gt;.inprogress</c>; at a checkpoint that file is synced and
/// renamed <c>.part-&lt;task&gt;-&lt;id&gt;.pending</c> before the checkpoint is written, and renamed
/// <c>part-&lt;task&gt;-&lt;id&gt;.txt</c> (visible, final) once it is durable. After a crash, a
/// restore from checkpoint C publishes the pending files up to C (their checkpoint made it)
/// and deletes later pending files and the in-progress file (their lines are produced again).
/// Readers take only <c>part-*.txt</c>, in id order. Without checkpointed state, lines are
/// appended to <c>part-&lt;task&gt;.txt</c> directly. Owned by one task.
/// </summary>
internal sealed class FileOutput<T>(string directory, int task, Func<T, string> format) : LineOutput<T>($"ToFile({directory})", format), ICheckpointed, ICheckpointListener
{
    private FileStream? _file;
    private bool _transactional;

    public string StoreName => TaskState.TaskStore;

    public string Signature => $"file output {directory}";

    private string InProgress => Path.Combine(directory, $".part-{task}.inprogress");

    /// <summary>Turns on the two-phase commit (the task checkpoints).</summary>
    public void CommitWithCheckpoints() => _transactional = true;

    public override ValueTask FlushAsync(ITopicLog log)
    {
        if (Lines.Length > 0)
        {
            var file = Open();
            file.Write(Encoding.UTF8.GetBytes(Lines.ToString()));
            file.Flush();
            Lines.Clear();
        }
        return ValueTask.CompletedTask;
    }

    public void WriteCheckpoint(TaskStateDb state)
    {
        if (_file is null)
        {
            return;
        }
        _file.Flush(flushToDisk: true);
        _file.Dispose();
        _file = null;
        File.Move(InProgress, Pending(state.NextCheckpointId));
    }

    public void CheckpointCompleted(long checkpointId)
    {
        if (File.Exists(Pending(checkpointId)))
        {
            File.Move(Pending(checkpointId), Final(checkpointId));
        }
    }

    public void Restore(TaskStateDb state)
    {
        long committed = state.RestoredCheckpoint ?? 0;
        Directory.CreateDirectory(directory);
        foreach (string pending in Directory.GetFiles(directory, $".part-{task}-*.pending"))
        {
            string id = Path.GetFileName(pending)[$".part-{task}-".Length..^".pending".Length];
            long checkpoint = long.Parse(id, CultureInfo.InvariantCulture);
            if (checkpoint <= committed)
            {
                File.Move(pending, Final(checkpoint)); // its checkpoint made it; the publish did not
            }
            else
            {
                File.Delete(pending);
            }
        }
        File.Delete(InProgress);
    }

    private FileStream Open()
    {
        if (_file is null)
        {
            Directory.CreateDirectory(directory);
            _file = _transactional
                ? new FileStream(InProgress, FileMode.Append, FileAccess.Write)
                : new FileStream(Path.Combine(directory, $"part-{task}.txt"), FileMode.Append, FileAccess.Write);
        }
        return _file;
    }

    private string Pending(long checkpoint) => Path.Combine(directory, $".part-{task}-{checkpoint}.pending");

    private string Final(long checkpoint) => Path.Combine(directory, $"part-{task}-{checkpoint:D10}.txt");
}
