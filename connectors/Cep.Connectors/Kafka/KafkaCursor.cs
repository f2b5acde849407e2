using System.Buffers.Binary;
using Cep.Engine.Runtime;
using Cep.Storage.Records;
using Confluent.Kafka;

namespace Cep.Connectors.Kafka;

/// <summary>
/// One partition read through a Confluent consumer assigned to it. Consumed messages are put
/// back into record batches (one per run of consecutive offsets, the offsets patched into the
/// batch header) so the engine reads them exactly as it reads the embedded log. Waiting for data
/// consumes the next message in the background and keeps it. Owned by one task.
/// </summary>
internal sealed class KafkaCursor : IPartitionCursor, IDisposable
{
    private const int MaxPerRead = 1000;
    private static readonly TimeSpan PollSlice = TimeSpan.FromMilliseconds(5);

    private readonly IConsumer<byte[]?, byte[]?> _consumer;
    private readonly Queue<ConsumeResult<byte[]?, byte[]?>> _ready = new();
    private readonly RecordBatchBuilder _builder = new();
    private Task _waiting = Task.CompletedTask;

    public KafkaCursor(IConsumer<byte[]?, byte[]?> consumer, string topic, int partition, long startOffset)
    {
        _consumer = consumer;
        Topic = topic;
        Partition = partition;
        Seek(startOffset);
    }

    public string Topic { get; }

    public int Partition { get; }

    public long Position { get; private set; }

    public void Seek(long offset)
    {
        _waiting.Wait();
        _ready.Clear();
        Position = offset;
        _consumer.Assign(new TopicPartitionOffset(Topic, Partition, new Offset(offset)));
    }

    public int Read(Action<Record> onRecord)
    {
        // A wait the task gave up on still owns the consumer until it returns.
        _waiting.Wait();
        while (_ready.Count < MaxPerRead && _consumer.Consume(TimeSpan.Zero) is { } result)
        {
            _ready.Enqueue(result);
        }
        int count = 0;
        while (_ready.Count > 0)
        {
            long first = _ready.Peek().Offset.Value;
            _builder.Reset();
            long next = first;
            while (_ready.Count > 0 && _ready.Peek().Offset.Value == next)
            {
                var message = _ready.Dequeue().Message;
                var headers = message.Headers?.Select(h => new RecordHeader(h.Key, h.GetValueBytes())).ToList();
                _builder.Add(message.Timestamp.UnixTimestampMs, message.Key, message.Value, headers);
                next++;
            }
            var batch = _builder.Build().ToArray();
            BinaryPrimitives.WriteInt64BigEndian(batch, first);
            foreach (var decoded in RecordBatch.ReadAll(batch))
            {
                foreach (var record in decoded)
                {
                    onRecord(record);
                    count++;
                }
            }
            Position = next;
        }
        return count;
    }

    public Task WaitForDataAsync(CancellationToken cancellationToken)
    {
        if (_ready.Count > 0)
        {
            return Task.CompletedTask;
        }
        // Short polls rather than Consume(token), whose cancellation is only seen every 100 ms: the
        // task often gives up this wait when another input has data, and Read waits for it to end.
        _waiting = Task.Run(
            () =>
            {
                while (!cancellationToken.IsCancellationRequested)
                {
                    if (_consumer.Consume(PollSlice) is { } result)
                    {
                        _ready.Enqueue(result);
                        return;
                    }
                }
            },
            CancellationToken.None);
        return _waiting.WaitAsync(cancellationToken);
    }

    public void Dispose() => _consumer.Dispose();
}
