using System.Buffers;
using Cep.Engine.Serdes;
using Cep.Storage.Topics;

namespace Cep.Engine.Runtime;

/// <summary>
/// Writes a stream's events to a topic: value (and optional key) through their serdes, event
/// time as the record timestamp, partition by murmur2 of the key like every Kafka producer, or
/// the task's own partition for keyless records (so a replay writes the same partitions).
/// Punctuations are not written. Owned by one task.
/// </summary>
internal sealed class TopicOutput<T, TKey>(
    PartitionedBatches batches,
    int taskPartition,
    ISerde<T> valueSerde,
    Func<T, TKey>? keySelector,
    ISerde<TKey>? keySerde) : TaskOutput, IObserver<StreamItem<T>>
{
    private readonly ArrayBufferWriter<byte> _key = new();
    private readonly ArrayBufferWriter<byte> _value = new();

    public void OnNext(StreamItem<T> item)
    {
        if (!item.IsEvent || Error is not null)
        {
            return;
        }
        try
        {
            _value.ResetWrittenCount();
            valueSerde.Serialize(item.Value, _value);
            int partition;
            if (keySelector is null)
            {
                partition = taskPartition % batches.Partitions;
                batches.For(partition).AddWithoutKey(item.Timestamp, _value.WrittenSpan);
                return;
            }
            _key.ResetWrittenCount();
            keySerde!.Serialize(keySelector(item.Value), _key);
            partition = Murmur2Partitioner.Partition(_key.WrittenSpan, batches.Partitions);
            batches.For(partition).Add(item.Timestamp, _key.WrittenSpan, _value.WrittenSpan);
        }
        catch (Exception e)
        {
            Error = new OperatorException($"To({batches.Topic})", item.Origin, e);
        }
    }

    public void OnError(Exception error) => Error ??= error;

    public void OnCompleted()
    {
    }

    public override ValueTask FlushAsync(ITopicLog log) => batches.FlushAsync(log);
}
