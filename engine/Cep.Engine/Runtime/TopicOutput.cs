using System.Buffers;
using Cep.Engine.Serdes;
using Cep.Engine.State;
using Cep.Storage.Records;
using Cep.Storage.State;
using Cep.Storage.Topics;

namespace Cep.Engine.Runtime;

/// <summary>
/// Writes a stream's events to a topic: value (and optional key) through their serdes, event
/// time as the record timestamp, the event's headers as the record's, partition by murmur2 of the key like every Kafka producer, or
/// the task's own partition for keyless records (so a replay writes the same partitions).
/// For a repartition topic (<paramref name="carryWatermarks"/>) the task's watermark goes
/// along: after the events of each flush, a <c>cep.watermark</c> record in every partition,
/// and <c>long.MaxValue</c> when the stream completes (see <see cref="UpstreamWatermarks"/>).
/// Owned by one task.
/// </summary>
internal sealed class TopicOutput<T, TKey>(
    PartitionedBatches batches,
    int taskPartition,
    ISerde<T> valueSerde,
    Func<T, TKey>? keySelector,
    ISerde<TKey>? keySerde,
    bool carryWatermarks = false) : TaskOutput, IObserver<StreamItem<T>>, ICheckpointed
{
    private readonly ArrayBufferWriter<byte> _key = new();
    private readonly ArrayBufferWriter<byte> _value = new();
    private long _watermark = long.MinValue;
    private long _writtenWatermark = long.MinValue;
    private long _lastTimestamp;

    public void OnNext(StreamItem<T> item)
    {
        if (item.Kind == StreamItemKind.Watermark)
        {
            _watermark = Math.Max(_watermark, item.Timestamp);
            return;
        }
        if (!item.IsEvent || Error is not null)
        {
            return;
        }
        _lastTimestamp = Math.Max(_lastTimestamp, item.Timestamp);
        try
        {
            _value.ResetWrittenCount();
            valueSerde.Serialize(item.Value, _value);
            int partition;
            if (keySelector is null)
            {
                partition = taskPartition % batches.Partitions;
                batches.For(partition)?.AddWithoutKey(item.Timestamp, _value.WrittenSpan, item.Headers);
                return;
            }
            _key.ResetWrittenCount();
            keySerde!.Serialize(keySelector(item.Value), _key);
            partition = Murmur2Partitioner.Partition(_key.WrittenSpan, batches.Partitions);
            batches.For(partition)?.Add(item.Timestamp, _key.WrittenSpan, _value.WrittenSpan, item.Headers);
        }
        catch (Exception e)
        {
            Error = new OperatorException($"To({batches.Topic})", item.Origin, e);
        }
    }

    public string StoreName => TaskState.TaskStore;

    public string Signature => $"watermarks carried to {batches.Topic}";

    /// <summary>Where the carried watermark's state is checkpointed (set when the task checkpoints and the output carries watermarks).</summary>
    public byte[] StateKey { get; set; } = [];

    public void WriteCheckpoint(TaskStateDb state)
    {
        var value = new StateWriter();
        value.Write(_writtenWatermark);
        value.Write(_lastTimestamp);
        state.Put(StoreName, StateKey, value.WrittenSpan);
    }

    public void Restore(TaskStateDb state)
    {
        if (state.Get(StoreName, StateKey) is { } bytes)
        {
            var value = new StateReader(bytes);
            _writtenWatermark = value.ReadInt64();
            _watermark = _writtenWatermark;
            _lastTimestamp = value.ReadInt64();
        }
    }

    public void OnError(Exception error) => Error ??= error;

    public void OnCompleted() => _watermark = long.MaxValue;

    public override ValueTask FlushAsync(ITopicLog log)
    {
        if (carryWatermarks && _watermark > _writtenWatermark)
        {
            byte[] marker = UpstreamWatermarks.Encode(taskPartition, _watermark);
            RecordHeader[] headers = [new(UpstreamWatermarks.Header, marker)];
            for (int partition = 0; partition < batches.Partitions; partition++)
            {
                batches.For(partition)?.Add(_lastTimestamp, null, null, headers);
            }
            _writtenWatermark = _watermark;
        }
        return batches.FlushAsync(log);
    }
}
