using System.Buffers.Binary;

namespace Cep.Engine.Runtime;

/// <summary>
/// Assigns a query's tasks to the members of its group, cooperatively and stickily: a task stays
/// with the member that runs it while that member has room under its fair share (tasks ÷
/// members; the members running the most get the one-larger shares); a task nobody runs goes to the member
/// with the fewest; a task above a member's share is revoked — assigned to nobody this round —
/// so its owner releases it (checkpointing) and rejoins, and the next round hands it on. So only
/// tasks that move ever stop, and a task never runs on two members at once. Standby replicas
/// go to members that do not run the task, those that hold one already first, then the least
/// loaded. A member's metadata is the tasks it runs and those it keeps standbys of (each an
/// int32 count, then the task numbers, big-endian), then the version of the query it runs
/// (UTF-8, the rest of the bytes); an assignment is the tasks to run and the standbys to keep
/// the same way, or a refusal: count −1, then why (UTF-8). Stateless.
/// </summary>
public static class TaskAssignor
{
    /// <summary>Each member's tasks for the next generation, from what each runs now.</summary>
    public static Dictionary<string, List<int>> Assign(int taskCount, IReadOnlyList<KeyValuePair<string, IReadOnlyList<int>>> owned)
    {
        var members = owned.Select(o => o.Key).Order(StringComparer.Ordinal).ToList();
        var result = members.ToDictionary(m => m, _ => new List<int>(), StringComparer.Ordinal);
        if (members.Count == 0)
        {
            return result;
        }
        // The shares that are one larger go to the members running the most (stickier), then by id.
        int share = taskCount / members.Count, extra = taskCount % members.Count;
        var larger = owned.OrderByDescending(o => o.Value.Count(t => t >= 0 && t < taskCount)).ThenBy(o => o.Key, StringComparer.Ordinal)
            .Take(extra).Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        int Quota(string member) => share + (larger.Contains(member) ? 1 : 0);
        var claimed = new HashSet<int>();
        foreach (var (member, tasks) in owned.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            // Within its share a member keeps what it runs; the rest is revoked (claimed, not assigned).
            foreach (int task in tasks.Where(t => t >= 0 && t < taskCount && claimed.Add(t)).Order())
            {
                if (result[member].Count < Quota(member))
                {
                    result[member].Add(task);
                }
            }
        }
        // Tasks nobody runs start where there is room; with revocations pending some wait a round.
        foreach (int task in Enumerable.Range(0, taskCount).Where(t => !claimed.Contains(t)))
        {
            if (members.Where(m => result[m].Count < Quota(m)).OrderByDescending(m => Quota(m) - result[m].Count).ThenBy(m => m, StringComparer.Ordinal).FirstOrDefault() is { } member)
            {
                result[member].Add(task);
            }
        }
        return result;
    }

    /// <summary>Standby assignments: for each task, <paramref name="replicas"/> members (at most all but its owner) that do not run it.</summary>
    public static Dictionary<string, List<int>> AssignStandbys(int taskCount, int replicas, IReadOnlyDictionary<string, List<int>> active, IReadOnlyDictionary<string, IReadOnlyList<int>> standbys)
    {
        var result = active.Keys.ToDictionary(m => m, _ => new List<int>(), StringComparer.Ordinal);
        for (int task = 0; task < taskCount && replicas > 0; task++)
        {
            int t = task;
            var chosen = active.Keys
                .Where(m => !active[m].Contains(t))
                .OrderBy(m => standbys.TryGetValue(m, out var held) && held.Contains(t) ? 0 : 1)
                .ThenBy(m => active[m].Count + result[m].Count)
                .ThenBy(m => m, StringComparer.Ordinal)
                .Take(replicas);
            foreach (string member in chosen)
            {
                result[member].Add(t);
            }
        }
        return result;
    }

    /// <summary>A member's metadata: the tasks it runs, those it keeps standbys of, and the version of the query it runs.</summary>
    public static byte[] EncodeMember(IReadOnlyCollection<int> tasks, IReadOnlyCollection<int> standbys, string version) =>
        [.. Encode(tasks), .. Encode(standbys), .. System.Text.Encoding.UTF8.GetBytes(version)];

    /// <summary>The tasks, standbys and version in a member's metadata; none for malformed metadata.</summary>
    public static (IReadOnlyList<int> Tasks, IReadOnlyList<int> Standbys, string Version) DecodeMember(byte[] bytes)
    {
        if (ReadList(bytes, 0) is not { } tasks || ReadList(bytes, 4 + 4 * tasks.Count) is not { } standbys)
        {
            return ([], [], "");
        }
        return (tasks, standbys, System.Text.Encoding.UTF8.GetString(bytes.AsSpan(8 + 4 * (tasks.Count + standbys.Count))));
    }

    /// <summary>An assignment: the tasks to run and the standbys to keep.</summary>
    public static byte[] EncodeAssignment(IReadOnlyCollection<int> tasks, IReadOnlyCollection<int> standbys) => [.. Encode(tasks), .. Encode(standbys)];

    /// <summary>The tasks and standbys of an assignment; none for a refusal or malformed bytes.</summary>
    public static (IReadOnlyList<int> Tasks, IReadOnlyList<int> Standbys) DecodeAssignment(byte[] bytes) =>
        ReadList(bytes, 0) is { } tasks && ReadList(bytes, 4 + 4 * tasks.Count) is { } standbys ? (tasks, standbys) : ([], []);

    /// <summary>An assignment that gives a member no task, saying why.</summary>
    public static byte[] EncodeRefusal(string reason) => [0xFF, 0xFF, 0xFF, 0xFF, .. System.Text.Encoding.UTF8.GetBytes(reason)];

    /// <summary>The reason in a refusal; null for any other assignment.</summary>
    public static string? Refusal(byte[] assignment) =>
        assignment.Length >= 4 && BinaryPrimitives.ReadInt32BigEndian(assignment) == -1 ? System.Text.Encoding.UTF8.GetString(assignment.AsSpan(4)) : null;

    public static byte[] Encode(IReadOnlyCollection<int> tasks)
    {
        var bytes = new byte[4 + 4 * tasks.Count];
        BinaryPrimitives.WriteInt32BigEndian(bytes, tasks.Count);
        int at = 4;
        foreach (int task in tasks.Order())
        {
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), task);
            at += 4;
        }
        return bytes;
    }

    /// <summary>The list at <paramref name="at"/>: an int32 count and that many int32s; null when the bytes do not hold one.</summary>
    private static List<int>? ReadList(byte[] bytes, int at)
    {
        if (bytes.Length < at + 4)
        {
            return null;
        }
        int count = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at));
        if (count < 0 || bytes.Length < at + 4 + 4L * count)
        {
            return null;
        }
        return Enumerable.Range(0, count).Select(i => BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(at + 4 + 4 * i))).ToList();
    }

    /// <summary>The tasks in <paramref name="bytes"/>; none for empty or malformed metadata.</summary>
    public static IReadOnlyList<int> Decode(byte[] bytes) =>
        ReadList(bytes, 0) is { } tasks && bytes.Length == 4 + 4 * tasks.Count ? tasks : [];
}
