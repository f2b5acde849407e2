using System.Text;
using Cep.Engine.State;
using Cep.Storage.State;

namespace Cep.Engine.Runtime;

/// <summary>
/// The watermark each input group of a task last pushed into its graph. Checkpointed: after a
/// restore the task pushes these again before any event, which gives every operator back the
/// watermark it had (operators derive theirs from these pushes; nothing closes twice, since
/// what they closed is gone from their restored state). Owned by one task.
/// </summary>
internal sealed class GroupWatermarks : ICheckpointed
{
    private static readonly byte[] Key = Encoding.UTF8.GetBytes("group-watermarks");

    // Indexed by group id (0 for the source topics, 1.. for repartition topics): read after every event.
    private long[] _watermarks = [];

    public string StoreName => TaskState.TaskStore;

    public string Signature => "group watermarks";

    /// <summary>The groups that have pushed a watermark, with it.</summary>
    public IEnumerable<(int Group, long Watermark)> All =>
        _watermarks.Select((w, g) => (g, w)).Where(p => p.w != long.MinValue);

    public long Of(int group) => group < _watermarks.Length ? _watermarks[group] : long.MinValue;

    public void Set(int group, long watermark)
    {
        if (group >= _watermarks.Length)
        {
            int old = _watermarks.Length;
            Array.Resize(ref _watermarks, group + 1);
            Array.Fill(_watermarks, long.MinValue, old, group + 1 - old);
        }
        _watermarks[group] = watermark;
    }

    public void WriteCheckpoint(TaskStateDb state)
    {
        var value = new StateWriter();
        foreach (var (group, watermark) in All)
        {
            value.Write(group);
            value.Write(watermark);
        }
        state.Put(StoreName, Key, value.WrittenSpan);
    }

    public void Restore(TaskStateDb state)
    {
        if (state.Get(StoreName, Key) is not { } bytes)
        {
            return;
        }
        for (var value = new StateReader(bytes); !value.AtEnd;)
        {
            Set(value.ReadInt32(), value.ReadInt64());
        }
    }
}
