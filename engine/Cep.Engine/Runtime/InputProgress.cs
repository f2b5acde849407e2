namespace Cep.Engine.Runtime;

/// <summary>
/// Where one task of a running query is in one input partition: the next offset it will take
/// (<see cref="Position"/>, records read ahead but not yet processed not counted), the
/// partition's end, the records between them (<see cref="Lag"/>), and the input's watermark
/// (epoch ms; null before the first). Kafka's consumer-group lag, per query.
/// </summary>
public sealed record InputProgress(string Query, int Task, string Topic, int Partition, long Position, long EndOffset, long? Watermark)
{
    public long Lag => Math.Max(0, EndOffset - Position);
}
