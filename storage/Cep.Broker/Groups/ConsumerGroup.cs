using Cep.Broker.Protocol;

namespace Cep.Broker.Groups;

/// <summary>
/// One group's membership under Kafka's classic protocol. A join (or a member leaving or
/// expiring) starts a rebalance: joins are held until every member has rejoined or the longest
/// rebalance timeout passed (members that did not rejoin are dropped); then a new generation
/// forms with a protocol every member supports (chosen by the members' votes), a leader (the
/// old one if it stayed), and the leader alone gets the member list. Followers' SyncGroup waits
/// for the leader's, which carries everyone's assignment. A member not heard from within its
/// session timeout is removed, which starts a rebalance; so is one that never comes back with
/// the id MEMBER_ID_REQUIRED gave it. Thread-safe: every member runs under the group's lock,
/// and held requests are completed outside it (continuations run asynchronously).
/// </summary>
internal sealed class ConsumerGroup(string id, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, GroupMember> _members = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _pendingMemberIds = new(StringComparer.Ordinal);
    private DateTimeOffset _rebalanceDeadline;

    public string Id => id;

    public GroupState State { get; private set; } = GroupState.Empty;

    public int Generation { get; private set; }

    public string? ProtocolType { get; private set; }

    public string? ProtocolName { get; private set; }

    public string? LeaderId { get; private set; }

    /// <summary>When the group last had no members (its offsets' retention counts from the later of this and their commit).</summary>
    public DateTimeOffset EmptySince { get; private set; } = time.GetUtcNow();

    public bool HasMembers
    {
        get
        {
            lock (_lock)
            {
                return _members.Count > 0;
            }
        }
    }

    public Task<JoinResult> JoinAsync(JoinRequest request)
    {
        var completions = new List<Action>();
        Task<JoinResult> answer;
        lock (_lock)
        {
            answer = Join(request, completions);
        }
        Run(completions);
        return answer;
    }

    public Task<SyncResult> SyncAsync(string memberId, int generation, IReadOnlyDictionary<string, byte[]> assignments)
    {
        var completions = new List<Action>();
        Task<SyncResult> answer;
        lock (_lock)
        {
            answer = Sync(memberId, generation, assignments, completions);
        }
        Run(completions);
        return answer;
    }

    public ErrorCode Heartbeat(string memberId, int generation)
    {
        lock (_lock)
        {
            if (!_members.TryGetValue(memberId, out var member))
            {
                return ErrorCode.UnknownMemberId;
            }
            if (generation != Generation)
            {
                return ErrorCode.IllegalGeneration;
            }
            member.LastSeen = time.GetUtcNow();
            return State == GroupState.PreparingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
        }
    }

    /// <summary>Removes the members; per member, None or UNKNOWN_MEMBER_ID.</summary>
    public IReadOnlyList<(string MemberId, ErrorCode Error)> Leave(IReadOnlyList<string> memberIds)
    {
        var completions = new List<Action>();
        var results = new List<(string, ErrorCode)>();
        lock (_lock)
        {
            foreach (string memberId in memberIds)
            {
                if (_members.TryGetValue(memberId, out var member))
                {
                    Remove(member, completions);
                    results.Add((memberId, ErrorCode.None));
                }
                else
                {
                    results.Add((memberId, ErrorCode.UnknownMemberId));
                }
            }
            if (results.Any(r => r.Item2 == ErrorCode.None))
            {
                Rebalance(completions);
            }
        }
        Run(completions);
        return results;
    }

    /// <summary>Whether a member (or, with generation −1 and no member id, a client outside any generation) may commit offsets now.</summary>
    public ErrorCode CanCommit(string memberId, int generation)
    {
        lock (_lock)
        {
            if (generation < 0 && memberId.Length == 0)
            {
                return _members.Count == 0 ? ErrorCode.None : ErrorCode.IllegalGeneration;
            }
            if (!_members.TryGetValue(memberId, out var member))
            {
                return ErrorCode.UnknownMemberId;
            }
            if (generation != Generation)
            {
                return ErrorCode.IllegalGeneration;
            }
            member.LastSeen = time.GetUtcNow();
            // During PreparingRebalance members may still commit what they processed before rejoining.
            return State == GroupState.CompletingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
        }
    }

    /// <summary>Drops expired members and pending ids, and completes a rebalance whose time is up.</summary>
    public void Tick()
    {
        var completions = new List<Action>();
        lock (_lock)
        {
            var now = time.GetUtcNow();
            foreach (var (pending, deadline) in _pendingMemberIds.ToList())
            {
                if (now > deadline)
                {
                    _pendingMemberIds.Remove(pending);
                }
            }
            // A member held in JoinGroup or SyncGroup is alive; any other must have been heard from within its session.
            var expired = _members.Values.Where(m => m.PendingJoin is null && m.PendingSync is null && now - m.LastSeen > m.Join.SessionTimeout).ToList();
            foreach (var member in expired)
            {
                Remove(member, completions);
            }
            if (expired.Count > 0)
            {
                Rebalance(completions);
            }
            if (State == GroupState.PreparingRebalance && now >= _rebalanceDeadline)
            {
                foreach (var late in _members.Values.Where(m => m.PendingJoin is null).ToList())
                {
                    Remove(late, completions);
                }
                CompleteJoin(completions);
            }
        }
        Run(completions);
    }

    public GroupDescription Describe()
    {
        lock (_lock)
        {
            return new GroupDescription(
                id,
                State,
                ProtocolType ?? "",
                State is GroupState.CompletingRebalance or GroupState.Stable ? ProtocolName ?? "" : "",
                _members.Values.Select(m => new GroupMemberDescription(
                    m.Id, m.Join.GroupInstanceId, m.Join.ClientId, m.Join.ClientHost,
                    ProtocolName is { } protocol ? m.MetadataFor(protocol) : [],
                    State == GroupState.Stable ? m.Assignment : [])).ToList());
        }
    }

    /// <summary>Marks the group deleted (only when it has no members); false when it has members.</summary>
    public bool TryDelete()
    {
        lock (_lock)
        {
            if (_members.Count > 0)
            {
                return false;
            }
            State = GroupState.Dead;
            return true;
        }
    }

    private Task<JoinResult> Join(JoinRequest request, List<Action> completions)
    {
        if (State == GroupState.Dead)
        {
            return Task.FromResult(JoinResult.Failed(ErrorCode.CoordinatorNotAvailable));
        }
        if (request.Protocols.Count == 0 || (_members.Count > 0 && (request.ProtocolType != ProtocolType || !SharesProtocol(request))))
        {
            return Task.FromResult(JoinResult.Failed(ErrorCode.InconsistentGroupProtocol, request.MemberId));
        }
        var now = time.GetUtcNow();
        string memberId = request.MemberId;
        if (memberId.Length == 0)
        {
            memberId = $"{request.ClientId}-{Guid.NewGuid()}";
            if (request.RequireKnownMemberId)
            {
                _pendingMemberIds[memberId] = now + request.SessionTimeout;
                return Task.FromResult(JoinResult.Failed(ErrorCode.MemberIdRequired, memberId));
            }
        }
        else if (!_members.ContainsKey(memberId) && !_pendingMemberIds.Remove(memberId))
        {
            return Task.FromResult(JoinResult.Failed(ErrorCode.UnknownMemberId, memberId));
        }
        if (!_members.TryGetValue(memberId, out var member))
        {
            member = new GroupMember(memberId, request);
            _members[memberId] = member;
        }
        member.Join = request;
        member.LastSeen = now;
        ProtocolType = request.ProtocolType;
        // A second join from the same member replaces its first (the client gave up on it).
        member.PendingJoin?.TrySetResult(JoinResult.Failed(ErrorCode.UnknownMemberId, memberId));
        member.PendingJoin = new TaskCompletionSource<JoinResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var answer = member.PendingJoin.Task; // completing the join below clears PendingJoin
        if (State != GroupState.PreparingRebalance)
        {
            Rebalance(completions);
        }
        else if (_members.Values.All(m => m.PendingJoin is not null))
        {
            CompleteJoin(completions);
        }
        return answer;
    }

    private Task<SyncResult> Sync(string memberId, int generation, IReadOnlyDictionary<string, byte[]> assignments, List<Action> completions)
    {
        if (!_members.TryGetValue(memberId, out var member))
        {
            return Task.FromResult(SyncResult.Failed(ErrorCode.UnknownMemberId));
        }
        if (generation != Generation)
        {
            return Task.FromResult(SyncResult.Failed(ErrorCode.IllegalGeneration));
        }
        member.LastSeen = time.GetUtcNow();
        switch (State)
        {
            case GroupState.PreparingRebalance:
                return Task.FromResult(SyncResult.Failed(ErrorCode.RebalanceInProgress));
            case GroupState.Stable:
                return Task.FromResult(new SyncResult(ErrorCode.None, member.Assignment));
            case GroupState.CompletingRebalance:
                member.PendingSync = new TaskCompletionSource<SyncResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                var answer = member.PendingSync.Task;
                if (memberId == LeaderId)
                {
                    foreach (var m in _members.Values)
                    {
                        m.Assignment = assignments.GetValueOrDefault(m.Id) ?? [];
                    }
                    State = GroupState.Stable;
                    foreach (var waiting in _members.Values.Where(m => m.PendingSync is not null))
                    {
                        var sync = waiting.PendingSync!;
                        var result = new SyncResult(ErrorCode.None, waiting.Assignment);
                        waiting.PendingSync = null;
                        completions.Add(() => sync.TrySetResult(result));
                    }
                }
                return answer;
            default:
                return Task.FromResult(SyncResult.Failed(ErrorCode.UnknownMemberId));
        }
    }

    private bool SharesProtocol(JoinRequest request) =>
        request.Protocols.Any(p => _members.Values.Where(m => m.Id != request.MemberId).All(m => m.Join.Protocols.Any(q => q.Name == p.Name)));

    /// <summary>Starts (or restarts) a rebalance: held syncs learn of it; members must rejoin within the longest rebalance timeout.</summary>
    private void Rebalance(List<Action> completions)
    {
        foreach (var member in _members.Values.Where(m => m.PendingSync is not null))
        {
            var sync = member.PendingSync!;
            member.PendingSync = null;
            completions.Add(() => sync.TrySetResult(SyncResult.Failed(ErrorCode.RebalanceInProgress)));
        }
        State = GroupState.PreparingRebalance;
        var longest = _members.Values.Select(m => m.Join.RebalanceTimeout).DefaultIfEmpty(TimeSpan.Zero).Max();
        _rebalanceDeadline = time.GetUtcNow() + longest;
        if (_members.Values.All(m => m.PendingJoin is not null))
        {
            CompleteJoin(completions);
        }
    }

    /// <summary>Forms the next generation from the members that rejoined and answers their joins.</summary>
    private void CompleteJoin(List<Action> completions)
    {
        Generation++;
        if (_members.Count == 0)
        {
            State = GroupState.Empty;
            ProtocolName = null;
            LeaderId = null;
            EmptySince = time.GetUtcNow();
            return;
        }
        ProtocolName = ChooseProtocol();
        if (LeaderId is null || !_members.ContainsKey(LeaderId))
        {
            LeaderId = _members.Keys.First();
        }
        State = GroupState.CompletingRebalance;
        var all = _members.Values.Select(m => new JoinedMember(m.Id, m.Join.GroupInstanceId, m.MetadataFor(ProtocolName))).ToList();
        var now = time.GetUtcNow();
        foreach (var member in _members.Values)
        {
            var join = member.PendingJoin!;
            member.PendingJoin = null;
            member.LastSeen = now;
            var result = new JoinResult(ErrorCode.None, Generation, ProtocolName, LeaderId, member.Id, member.Id == LeaderId ? all : []);
            completions.Add(() => join.TrySetResult(result));
        }
    }

    /// <summary>Of the protocols every member supports, the one most members prefer (each votes for its first such); ties go to the leader's order.</summary>
    private string ChooseProtocol()
    {
        var members = _members.Values.ToList();
        var candidates = members[0].Join.Protocols.Select(p => p.Name).Where(name => members.All(m => m.Join.Protocols.Any(p => p.Name == name))).ToList();
        var votes = members.Select(m => m.Join.Protocols.Select(p => p.Name).First(candidates.Contains)).ToList();
        return candidates.OrderByDescending(c => votes.Count(v => v == c)).First();
    }

    private void Remove(GroupMember member, List<Action> completions)
    {
        _members.Remove(member.Id);
        if (member.PendingJoin is { } join)
        {
            completions.Add(() => join.TrySetResult(JoinResult.Failed(ErrorCode.UnknownMemberId, member.Id)));
        }
        if (member.PendingSync is { } sync)
        {
            completions.Add(() => sync.TrySetResult(SyncResult.Failed(ErrorCode.UnknownMemberId)));
        }
        if (_members.Count == 0)
        {
            EmptySince = time.GetUtcNow();
        }
    }

    private static void Run(List<Action> completions)
    {
        foreach (var complete in completions)
        {
            complete();
        }
    }
}
