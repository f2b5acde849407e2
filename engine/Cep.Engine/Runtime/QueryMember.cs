using Microsoft.Extensions.Logging;

namespace Cep.Engine.Runtime;

/// <summary>
/// A query's worker as a member of the query's consumer group (named after the query): it
/// joins with the tasks it runs, and when it is the leader assigns every member its tasks
/// (<see cref="TaskAssignor"/>); then it releases the tasks it lost (each checkpoints first),
/// starts the ones it gained (each restores from its checkpoint), and heartbeats until the group
/// rebalances. Tasks it keeps run on undisturbed through a rebalance. Having released tasks, it
/// rejoins at once so they can start elsewhere. Dropped by the group (its session expired), it
/// releases every task before joining again, as they may run elsewhere. On stop it releases
/// every task and leaves.
/// Owned by one caller (<see cref="RunAsync"/> once).
/// </summary>
public sealed class QueryMember(QueryWorker worker, string groupId, IGroupMembership membership, ILogger logger)
{
    /// <summary>How often the member heartbeats (well within the coordinator's session timeout).</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The pause before joining again after the group refused a call or could not be reached.</summary>
    public TimeSpan RejoinBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many generations this member has joined.</summary>
    public int Rebalances { get; private set; }

    public QueryWorker Worker => worker;

    /// <summary>Takes part in the group until cancelled or a task fails (that failure is thrown).</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string memberId = "";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // A failed task ends the membership: the query fails as a whole.
        _ = worker.Failed.ContinueWith(_ => stop.Cancel(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    memberId = await RebalanceAsync(memberId, stop.Token);
                }
                catch (GroupRejoinException e)
                {
                    logger.LogInformation("Query {Query}: rejoining its group ({Reason})", groupId, e.Message);
                    if (e.ResetMemberId)
                    {
                        // The group dropped this member (its session expired): its tasks may run
                        // elsewhere already. Release them all (each checkpoints; one fenced by
                        // its new owner just stops) and join as a new member.
                        memberId = "";
                        var lost = worker.Running.ToList();
                        await Task.WhenAll(lost.Select(worker.ReleaseAsync));
                        if (lost.Count > 0)
                        {
                            logger.LogWarning("Query {Query}: the group dropped this member; released tasks [{Tasks}]", groupId, string.Join(", ", lost));
                        }
                    }
                    await Task.Delay(RejoinBackoff, stop.Token); // an unreachable coordinator is not asked in a tight loop
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopping, or a task failed.
        }
        finally
        {
            await worker.DisposeAsync();
            if (memberId.Length > 0)
            {
                await membership.LeaveAsync(groupId, memberId);
            }
        }
        if (worker.Failed.IsCompleted)
        {
            throw await worker.Failed;
        }
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>One generation: join, sync, apply the assignment, heartbeat until the next rebalance; returns the member id.</summary>
    private async Task<string> RebalanceAsync(string memberId, CancellationToken cancellationToken)
    {
        var running = worker.Running;
        var join = await membership.JoinAsync(groupId, memberId, TaskAssignor.EncodeMember(running, worker.Standbys, worker.Version), cancellationToken);
        var assignments = join.IsLeader ? Assign(join) : new Dictionary<string, byte[]>(StringComparer.Ordinal);
        byte[] assignment = await membership.SyncAsync(groupId, join.MemberId, join.Generation, assignments, cancellationToken);
        if (TaskAssignor.Refusal(assignment) is { } refusal)
        {
            throw new QueryConflictException(refusal); // the query stops here; the group goes on with the version it runs
        }
        var (tasks, standbys) = TaskAssignor.DecodeAssignment(assignment);
        var mine = tasks.ToHashSet();
        Rebalances++;
        RuntimeMetrics.Rebalances.Add(1, new KeyValuePair<string, object?>("query", groupId));
        var lost = worker.Running.Where(t => !mine.Contains(t)).ToList();
        var gained = mine.Where(t => !worker.Running.Contains(t)).Order().ToList();
        // Order matters: a task and its standby share the state directory, so what closes it
        // (a released task, a dropped standby) goes before what opens it.
        await Task.WhenAll(lost.Select(worker.ReleaseAsync));
        await Task.WhenAll(worker.Standbys.Where(t => !standbys.Contains(t)).Select(worker.StopStandbyAsync));
        foreach (int task in gained)
        {
            _ = worker.Start(task);
        }
        foreach (int task in standbys)
        {
            worker.StartStandby(task);
        }
        logger.LogInformation(
            "Query {Query}: generation {Generation}, member {Member} runs tasks [{Tasks}] (started [{Gained}], released [{Lost}]), standbys [{Standbys}]",
            groupId, join.Generation, join.MemberId, string.Join(", ", mine.Order()), string.Join(", ", gained), string.Join(", ", lost), string.Join(", ", standbys.Order()));
        if (lost.Count > 0)
        {
            return join.MemberId; // rejoin now: what this member released can start elsewhere
        }
        while (await membership.HeartbeatAsync(groupId, join.MemberId, join.Generation, cancellationToken))
        {
            await Task.Delay(HeartbeatInterval, cancellationToken);
        }
        return join.MemberId;
    }

    /// <summary>
    /// The leader's assignment: the group runs the leader's version of the query (it was there
    /// first); a member running another version — the same name deployed from another script
    /// on another daemon — gets no task but a refusal naming both, so no task runs two codes.
    /// </summary>
    private Dictionary<string, byte[]> Assign(GroupJoin join)
    {
        var members = join.Members.Select(m => (Id: m.Key, Metadata: TaskAssignor.DecodeMember(m.Value))).ToList();
        var same = members.Where(m => m.Metadata.Version == worker.Version).ToList();
        var active = TaskAssignor.Assign(worker.TaskCount, same.Select(m => KeyValuePair.Create(m.Id, m.Metadata.Tasks)).ToList());
        var standbys = TaskAssignor.AssignStandbys(worker.TaskCount, worker.StandbyReplicas, active, same.ToDictionary(m => m.Id, m => m.Metadata.Standbys, StringComparer.Ordinal));
        var assignments = active.ToDictionary(a => a.Key, a => TaskAssignor.EncodeAssignment(a.Value, standbys[a.Key]), StringComparer.Ordinal);
        foreach (var (id, metadata) in members.Where(m => m.Metadata.Version != worker.Version))
        {
            logger.LogError("Query {Query}: member {Member} runs version {Theirs} of the query, the group runs {Ours}; it gets no task", groupId, id, metadata.Version, worker.Version);
            assignments[id] = TaskAssignor.EncodeRefusal(
                $"query '{groupId}': this member runs version {metadata.Version} of it, but its group runs version {worker.Version} (on member {join.MemberId}); " +
                "two different scripts with one name cannot share a group: deploy the same script everywhere, or give one another name");
        }
        return assignments;
    }
}
