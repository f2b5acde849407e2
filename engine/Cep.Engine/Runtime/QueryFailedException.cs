namespace Cep.Engine.Runtime;

/// <summary>A task of a query stopped on an error (bad input under ErrorPolicy.Stop, user code that threw); the inner exception names the operator and topic/partition/offset.</summary>
public sealed class QueryFailedException(string queryName, int partition, Exception inner)
    : Exception($"query '{queryName}' task {partition} stopped: {inner.Message}", inner)
{
    public string QueryName { get; } = queryName;

    public int Partition { get; } = partition;
}
