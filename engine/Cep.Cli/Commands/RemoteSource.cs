using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Cep.Cli.Commands;

/// <summary>
/// A topic of a daemon's log through its admin API: pages of records by offset, and, when
/// following, long polls (the daemon holds a request until a record comes or a second passes).
/// Keys and values travel as UTF-8 text.
/// </summary>
internal sealed class RemoteSource(DaemonClient client, string topic) : IRecordSource
{
    private const int PageSize = 1000;
    private const int WaitMs = 1000;

    public string Topic => topic;

    private string Path => $"/topics/{DaemonClient.Escape(topic)}";

    public async Task<IReadOnlyList<PartitionRange>> PartitionsAsync(int? only, CancellationToken ct)
    {
        var description = (await client.GetAsync(Path, ct)).Deserialize<TopicView>(JsonSerializerOptions.Web)!;
        var partitions = description.Partitions.Select(p => new PartitionRange(p.Partition, p.LogStartOffset, p.LogEndOffset)).ToList();
        if (only is int wanted)
        {
            return partitions.Where(p => p.Partition == wanted).ToList() is { Count: 1 } one
                ? one
                : throw new CommandException($"topic '{topic}' has no partition {wanted}; valid partitions are 0..{partitions.Count - 1}");
        }
        return partitions;
    }

    public async Task<long> OffsetForTimeAsync(int partition, long time, CancellationToken ct) =>
        (await client.GetAsync($"{Path}/offsets?partition={partition}&time={time}", ct)).GetProperty("offset").GetInt64();

    public async IAsyncEnumerable<ConsumedRecord> ReadAsync(PartitionRange partition, long start, bool follow, [EnumeratorCancellation] CancellationToken ct)
    {
        long offset = start;
        while (follow || offset < partition.End)
        {
            var page = await client.GetAsync($"{Path}/records?partition={partition.Partition}&offset={offset}&max={PageSize}&waitMs={(follow ? WaitMs : 0)}", ct);
            int count = 0;
            foreach (var record in page.EnumerateArray())
            {
                offset = record.GetProperty("offset").GetInt64() + 1;
                count++;
                yield return new ConsumedRecord(partition.Partition, offset - 1, Bytes(record.GetProperty("key")), Bytes(record.GetProperty("value")));
            }
            if (count == 0 && !follow)
            {
                yield break; // the end moved back (retention) or was reached
            }
        }
    }

    private static byte[]? Bytes(JsonElement text) => text.ValueKind == JsonValueKind.Null ? null : Encoding.UTF8.GetBytes(text.GetString()!);
}
