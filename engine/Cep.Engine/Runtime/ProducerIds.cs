namespace Cep.Engine.Runtime;

/// <summary>
/// Producer ids of tasks: FNV-1a (64-bit) of "query/task/version", made non-negative. Stable
/// across restarts and machines, which is the point: a restored task must be the producer that
/// wrote its earlier output. The version (the query code's hash) keeps another version of the
/// query from taking the records of an earlier one for its own and skipping them. Two tasks
/// colliding would need a 1-in-2^63 accident. Thread-safe (pure).
/// </summary>
internal static class ProducerIds
{
    public static long For(string queryName, int task, string? version) =>
        (long)(Fnv1a.Hash(version is null ? $"{queryName}/{task}" : $"{queryName}/{task}/{version}") & long.MaxValue);
}
