using System.Collections.Concurrent;
using Cep.Broker.Protocol;
using Cep.Storage.Topics;

namespace Cep.Broker.Groups;

/// <summary>
/// The consumer groups of a broker: membership (<see cref="ConsumerGroup"/>) and committed
/// offsets (<see cref="OffsetStore"/>), as plain calls — the Kafka handlers adapt requests to
/// them, and the engine can use them in-process without the network. A background loop expires
/// members whose session ran out, completes rebalances whose time is up, and deletes the offsets
/// of groups that have had no members for <see cref="GroupCoordinatorOptions.OffsetsRetention"/>
/// (counted from the later of the group emptying and the last commit). Thread-safe.
/// </summary>
public sealed class GroupCoordinator : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private readonly OffsetStore _offsets;
    private readonly GroupCoordinatorOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _ticking;

    /// <param name="offsetsAppend">On a cluster node, how commits reach the replicated offsets topic (see <see cref="OffsetStore"/>).</param>
    public GroupCoordinator(TopicStore store, GroupCoordinatorOptions? options = null, TimeProvider? time = null, Func<Memory<byte>, Task>? offsetsAppend = null)
    {
        _options = options ?? new GroupCoordinatorOptions();
        _time = time ?? TimeProvider.System;
        _offsets = new OffsetStore(store, offsetsAppend);
        _ticking = TickAsync(_stop.Token);
    }

    /// <summary>This node now coordinates the groups (it took over the offsets topic's lead): the committed offsets are read again from its replica.</summary>
    public void ReloadOffsets() => _offsets.Reload();

    public Task<JoinResult> JoinAsync(JoinRequest request)
    {
        if (request.GroupId.Length == 0)
        {
            return Task.FromResult(JoinResult.Failed(ErrorCode.InvalidGroupId, request.MemberId));
        }
        if (request.SessionTimeout < _options.MinSessionTimeout || request.SessionTimeout > _options.MaxSessionTimeout)
        {
            return Task.FromResult(JoinResult.Failed(ErrorCode.InvalidSessionTimeout, request.MemberId));
        }
        return Group(request.GroupId).JoinAsync(request);
    }

    public Task<SyncResult> SyncAsync(string groupId, string memberId, int generation, IReadOnlyDictionary<string, byte[]> assignments) =>
        _groups.TryGetValue(groupId, out var group)
            ? group.SyncAsync(memberId, generation, assignments)
            : Task.FromResult(SyncResult.Failed(ErrorCode.UnknownMemberId));

    public ErrorCode Heartbeat(string groupId, string memberId, int generation) =>
        _groups.TryGetValue(groupId, out var group) ? group.Heartbeat(memberId, generation) : ErrorCode.UnknownMemberId;

    public IReadOnlyList<(string MemberId, ErrorCode Error)> Leave(string groupId, IReadOnlyList<string> memberIds) =>
        _groups.TryGetValue(groupId, out var group) ? group.Leave(memberIds) : memberIds.Select(m => (m, ErrorCode.UnknownMemberId)).ToList();

    /// <summary>
    /// Commits offsets for a member of the current generation, or — generation −1, no member id —
    /// for a group without members (a consumer that assigns partitions itself). All or nothing:
    /// the error applies to every partition.
    /// </summary>
    public async Task<ErrorCode> CommitAsync(string groupId, string memberId, int generation, IReadOnlyList<(string Topic, int Partition, CommittedOffset Offset)> offsets)
    {
        if (groupId.Length == 0)
        {
            return ErrorCode.InvalidGroupId;
        }
        var allowed = Group(groupId).CanCommit(memberId, generation);
        if (allowed != ErrorCode.None)
        {
            return allowed;
        }
        if (offsets.Any(o => o.Offset.Metadata?.Length > _options.MaxMetadataSize))
        {
            return ErrorCode.OffsetMetadataTooLarge;
        }
        await _offsets.CommitAsync(offsets.Select(o => (new OffsetKey(groupId, o.Topic, o.Partition), o.Offset)).ToList()).ConfigureAwait(false);
        return ErrorCode.None;
    }

    public CommittedOffset? Committed(string groupId, string topic, int partition) => _offsets.Get(new OffsetKey(groupId, topic, partition));

    /// <summary>Every committed offset of the group.</summary>
    public IReadOnlyList<(OffsetKey Key, CommittedOffset Offset)> Committed(string groupId) => _offsets.Of(groupId);

    /// <summary>The group's state and members; an unknown group is reported Dead, as Kafka does.</summary>
    public GroupDescription Describe(string groupId) =>
        _groups.TryGetValue(groupId, out var group) ? group.Describe()
        : _offsets.Groups().Contains(groupId) ? new GroupDescription(groupId, GroupState.Empty, "", "", [])
        : new GroupDescription(groupId, GroupState.Dead, "", "", []);

    /// <summary>Every group with members or committed offsets, with its protocol type ("" when unknown).</summary>
    public IReadOnlyList<(string GroupId, string ProtocolType)> List() =>
        _groups.Values.Where(g => g.State != GroupState.Dead).Select(g => (g.Id, g.ProtocolType ?? ""))
            .Concat(_offsets.Groups().Where(id => !_groups.ContainsKey(id)).Select(id => (id, "")))
            .OrderBy(g => g.Item1, StringComparer.Ordinal).ToList();

    /// <summary>Deletes a group without members and its offsets: NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND when unknown.</summary>
    public async Task<ErrorCode> DeleteAsync(string groupId)
    {
        bool known = _offsets.Groups().Contains(groupId);
        if (_groups.TryGetValue(groupId, out var group))
        {
            if (!group.TryDelete())
            {
                return ErrorCode.NonEmptyGroup;
            }
            _groups.TryRemove(groupId, out _);
            known = true;
        }
        if (!known)
        {
            return ErrorCode.GroupIdNotFound;
        }
        await _offsets.DeleteGroupAsync(groupId).ConfigureAwait(false);
        return ErrorCode.None;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _ticking.ConfigureAwait(false);
        _stop.Dispose();
    }

    private ConsumerGroup Group(string groupId)
    {
        var group = _groups.GetOrAdd(groupId, id => new ConsumerGroup(id, _time));
        if (group.State == GroupState.Dead)
        {
            // Deleted meanwhile: a new group of the same name starts afresh.
            _groups.TryUpdate(groupId, new ConsumerGroup(groupId, _time), group);
            group = _groups[groupId];
        }
        return group;
    }

    private async Task TickAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(_options.TickInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                foreach (var group in _groups.Values)
                {
                    group.Tick();
                }
                await ExpireOffsetsAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task ExpireOffsetsAsync()
    {
        var now = _time.GetUtcNow();
        foreach (string groupId in _offsets.Groups())
        {
            var group = _groups.GetValueOrDefault(groupId);
            if (group is not null && group.HasMembers)
            {
                continue;
            }
            long lastCommit = _offsets.Of(groupId).Max(o => o.Offset.CommitTimestamp);
            var idleSince = DateTimeOffset.FromUnixTimeMilliseconds(lastCommit);
            if (group is not null && group.EmptySince > idleSince)
            {
                idleSince = group.EmptySince;
            }
            if (now - idleSince > _options.OffsetsRetention)
            {
                await DeleteAsync(groupId).ConfigureAwait(false);
            }
        }
    }
}
