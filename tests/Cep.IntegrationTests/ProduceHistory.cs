using System.Collections.Concurrent;

namespace Cep.IntegrationTests;

/// <summary>
/// A Jepsen-style history of writes and reads against a log during faults: every value a
/// producer tried to write, every acknowledgement (partition, offset, value), and every record
/// a reader saw. <see cref="Check"/> holds it against the final log of each partition and names
/// each anomaly: an acknowledged write missing or moved (lost), a value read that nobody wrote
/// (phantom), a read of a record the final log does not have at that offset (a read of an
/// unacknowledged record that was later truncated: dirty), and a value stored twice (duplicate).
/// Thread-safety: recording is thread-safe; check after the writers and readers stopped.
/// </summary>
internal sealed class ProduceHistory
{
    private readonly ConcurrentDictionary<string, bool> _attempted = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<(int Partition, long Offset, string Value)> _acknowledged = [];
    private readonly ConcurrentBag<(int Partition, long Offset, string Value)> _reads = [];

    public int Acknowledged => _acknowledged.Count;

    public int Reads => _reads.Count;

    public void Attempt(string value) => _attempted[value] = true;

    public void Acknowledge(int partition, long offset, string value) => _acknowledged.Add((partition, offset, value));

    public void Read(int partition, long offset, string value) => _reads.Add((partition, offset, value));

    /// <summary>Every anomaly, one line each; empty when the history is consistent with <paramref name="finalLogs"/> (partition → offset → value).</summary>
    public List<string> Check(IReadOnlyDictionary<int, Dictionary<long, string>> finalLogs)
    {
        var anomalies = new List<string>();
        foreach (var (partition, offset, value) in _acknowledged.OrderBy(a => a.Partition).ThenBy(a => a.Offset))
        {
            if (!finalLogs[partition].TryGetValue(offset, out var stored) || stored != value)
            {
                anomalies.Add($"lost: {value} acknowledged at {partition}/{offset}, the log has {stored ?? "nothing"} there");
            }
        }
        foreach (var (partition, offset, value) in _reads.Distinct().OrderBy(r => r.Partition).ThenBy(r => r.Offset))
        {
            if (!_attempted.ContainsKey(value))
            {
                anomalies.Add($"phantom: {value} read at {partition}/{offset} was never written");
            }
            else if (!finalLogs[partition].TryGetValue(offset, out var stored) || stored != value)
            {
                anomalies.Add($"dirty read: {value} read at {partition}/{offset}, the log has {stored ?? "nothing"} there");
            }
        }
        foreach (var (partition, log) in finalLogs)
        {
            foreach (var twice in log.GroupBy(r => r.Value).Where(g => g.Count() > 1))
            {
                anomalies.Add($"duplicate: {twice.Key} at {partition}/{string.Join(",", twice.Select(r => r.Key))}");
            }
        }
        return anomalies;
    }
}
