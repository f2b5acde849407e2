using System.Text;
using Cep.Engine.Runtime;
using Cep.Storage.Records;

namespace Cep.Cli.Commands;

/// <summary>
/// The log a query run by <c>cep run</c> writes through: everything goes to the embedded log,
/// and every record appended to a topic the query writes (not its internal repartition
/// topics) is also printed, once the append is acknowledged, as <c>topic TAB [key TAB] value</c>.
/// Thread-safe (tasks append concurrently; lines are written whole).
/// </summary>
internal sealed class PrintingTopicLog(ITopicLog log, TextWriter output) : ITopicLog
{
    private readonly Lock _print = new();

    public int PartitionCount(string topic) => log.PartitionCount(topic);

    public long EndOffset(string topic, int partition) => log.EndOffset(topic, partition);

    public void EnsureTopic(string topic, int partitions, bool compacted = false) => log.EnsureTopic(topic, partitions, compacted);

    public long OffsetForTimestamp(string topic, int partition, long timestamp) => log.OffsetForTimestamp(topic, partition, timestamp);

    public LoggedProducer? Producer(string topic, int partition, long producerId) => log.Producer(topic, partition, producerId);

    public IPartitionCursor OpenCursor(string topic, int partition, long startOffset) => log.OpenCursor(topic, partition, startOffset);

    public async ValueTask AppendAsync(string topic, int partition, Memory<byte> batch)
    {
        await log.AppendAsync(topic, partition, batch).ConfigureAwait(false);
        if (topic.Contains("-repartition-", StringComparison.Ordinal) || topic.EndsWith("-changelog", StringComparison.Ordinal))
        {
            return;
        }
        var lines = new StringBuilder();
        foreach (var written in RecordBatch.ReadAll(batch))
        {
            foreach (var record in written)
            {
                lines.Append(topic).Append('\t');
                if (record.Key is { } key)
                {
                    lines.Append(Encoding.UTF8.GetString(key.Span)).Append('\t');
                }
                lines.Append(record.Value is { } value ? Encoding.UTF8.GetString(value.Span) : "").Append('\n');
            }
        }
        lock (_print)
        {
            output.Write(lines.ToString());
            output.Flush();
        }
    }
}
