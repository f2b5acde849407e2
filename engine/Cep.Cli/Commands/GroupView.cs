namespace Cep.Cli.Commands;

/// <summary>A consumer group as /groups reports it: a running query (kind "query") or a Kafka client group (kind "kafka"), its members, and per partition where it is and how far behind.</summary>
internal sealed record GroupView(string Group, string Kind, int Members, long Lag, IReadOnlyList<GroupView.PartitionView> Partitions)
{
    /// <summary>One partition: the member (query task; −1 for a client group, whose members are not tracked per partition), position, end offset, lag, watermark (queries).</summary>
    public sealed record PartitionView(string Topic, int Partition, int Member, long Position, long EndOffset, long Lag, long? Watermark);
}
