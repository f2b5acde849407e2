namespace Cep.Engine.Patterns;

/// <summary>
/// One partial match of one key: an immutable value (Flink's ComputationState). Its last
/// binding is <see cref="Node"/> in the key's <see cref="SharedBuffer{T}"/> — the event it took
/// last, bound to step <see cref="Step"/> as that step's <see cref="Count"/>-th event — and it
/// holds one reference on that node. <see cref="Waiting"/> is −1 while no event has been
/// skipped since that take; after a skip it is the step this branch committed to take next
/// (<see cref="Step"/> itself: the loop goes on; a later step: the loop is left; the step count
/// K: the trailing absence is pending). Committing on the first skipped event is what keeps
/// branches apart, so no match is found twice.
/// </summary>
internal readonly record struct ComputationState(
    int Step,
    int Count,
    int Waiting,
    int Node,
    long StartTimestamp,
    long StartSequence)
{
    public bool Fresh => Waiting < 0;

    public ComputationState Skipping(int target) => this with { Waiting = target };
}
