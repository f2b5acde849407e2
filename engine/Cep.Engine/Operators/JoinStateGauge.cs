namespace Cep.Engine.Operators;

/// <summary>
/// How much a join holds: buffered events and keys, updated by the join as it runs. Lets tests
/// (and later the metrics endpoint) check that state stays bounded. Owned by the join's task.
/// </summary>
internal sealed class JoinStateGauge
{
    public int BufferedEvents { get; set; }

    public int Keys { get; set; }
}
