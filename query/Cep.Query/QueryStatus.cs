namespace Cep.Query;

/// <summary>
/// A query as the daemon reports it: version = the script's source hash; state is
/// <c>running</c>, <c>completed</c>, <c>failed</c> (with the error), <c>stopped</c>, or — for a
/// catalog entry no process runs — <c>deployed</c>; since = when it entered that state. A running
/// query reports its lag; as a group member also the tasks this process runs and how many
/// rebalances it has been through.
/// </summary>
public sealed record QueryStatus(string Name, string Path, string Version, string State, string? Error, DateTimeOffset Since)
{
    public IReadOnlyCollection<int>? Tasks { get; init; }

    public int Rebalances { get; init; }

    /// <summary>Records between the positions of the tasks running here and their input partitions' ends (running queries).</summary>
    public long? Lag { get; init; }
}
