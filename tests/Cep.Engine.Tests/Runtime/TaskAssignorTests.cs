using Cep.Engine.Runtime;
using FsCheck;
using FsCheck.Fluent;

namespace Cep.Engine.Tests.Runtime;

/// <summary>The cooperative sticky assignment of a query's tasks to its group's members.</summary>
public sealed class TaskAssignorTests
{
    [Fact]
    public void A_new_member_gets_its_share_in_two_rounds_and_the_old_one_keeps_the_rest_running()
    {
        var first = TaskAssignor.Assign(6, [Owns("a", 0, 1, 2, 3, 4, 5), Owns("b")]);
        // Round one: a keeps its share, tasks 3-5 are revoked (assigned to nobody), b waits.
        Assert.Equal([0, 1, 2], first["a"]);
        Assert.Empty(first["b"]);
        var second = TaskAssignor.Assign(6, [Owns("a", 0, 1, 2), Owns("b")]);
        Assert.Equal([0, 1, 2], second["a"]);
        Assert.Equal([3, 4, 5], second["b"]);
    }

    [Fact]
    public void The_tasks_of_a_member_that_left_go_to_the_others_at_once()
    {
        var assignment = TaskAssignor.Assign(6, [Owns("a", 0, 1), Owns("c", 4, 5)]);
        Assert.Equal([0, 1, 2], assignment["a"]);
        Assert.Equal([4, 5, 3], assignment["c"]);
        // An odd count: the member running more keeps the larger share rather than giving one up.
        var odd = TaskAssignor.Assign(5, [Owns("a", 0), Owns("b", 1, 2, 3, 4)]);
        Assert.Equal([1, 2, 3], odd["b"]);
        Assert.Equal([0], odd["a"]);
    }

    [Fact]
    public void Metadata_round_trips_and_garbage_reads_as_no_tasks()
    {
        Assert.Equal([1, 5, 9], TaskAssignor.Decode(TaskAssignor.Encode([9, 1, 5])));
        Assert.Empty(TaskAssignor.Decode([0, 0, 0, 9, 1]));
        Assert.Empty(TaskAssignor.Decode([]));
    }

    [Fact]
    public void Whatever_members_run_no_task_moves_while_its_owner_runs_it_and_nobody_exceeds_a_fair_share()
    {
        var states =
            from tasks in Gen.Choose(1, 12)
            from members in Gen.Choose(1, 5)
            from owners in Gen.ArrayOf(Gen.Choose(-1, members - 1), tasks)
            select (tasks, members, owners);
        Prop.ForAll(states.ToArbitrary(), state =>
        {
            var owned = Enumerable.Range(0, state.members)
                .Select(m => Owns($"m{m}", Enumerable.Range(0, state.tasks).Where(t => state.owners[t] == m).ToArray()))
                .ToList();
            var assignment = TaskAssignor.Assign(state.tasks, owned);
            int ceiling = (state.tasks + state.members - 1) / state.members;
            var all = assignment.Values.SelectMany(a => a).ToList();
            return all.Count == all.Distinct().Count()                                   // never on two members
                && assignment.All(a => a.Value.Count <= ceiling)                        // within a fair share
                && owned.All(o => assignment.Where(a => a.Key != o.Key).All(a => !a.Value.Intersect(o.Value).Any())) // never to another while owned
                && (owned.Any(o => o.Value.Count > state.tasks / state.members) || all.Count == state.tasks); // all placed unless someone must give some up
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    private static KeyValuePair<string, IReadOnlyList<int>> Owns(string member, params int[] tasks) => new(member, tasks);
}
