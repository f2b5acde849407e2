using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Engine.Runtime;
using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Connectors.Kafka;

/// <summary>
/// One partition read with Fetch over the cursor's own connection to the partition's leader.
/// <see cref="WaitForDataAsync"/> long-polls (the broker answers when data arrives or after
/// <see cref="LongPoll"/>) and keeps what it fetched for the next <see cref="Read"/>, so data is
/// fetched once; a <see cref="Read"/> with nothing kept fetches without waiting. Batches are
/// checked (CRC) and served as the embedded log's cursor serves them: control batches and
/// records before the position skipped, the position past every batch read. A position below
/// the log start moves to the log start when the broker says it is out of range. A broken connection or a leader
/// that moved (a cluster in failover) is retried, the leader asked again through
/// <c>connect</c>, for up to <see cref="BrokerChannel.Timeout"/> before the read fails.
/// Owned by one task; dispose to close the connection.
/// </summary>
internal sealed class ProtocolCursor(Func<BrokerChannel> connect, string topic, int partition, long startOffset) : IPartitionCursor, IDisposable
{
    private const short FetchVersion = 11;
    private const short ListOffsetsVersion = 5;
    private const int MaxBytes = 1024 * 1024;
    private static readonly TimeSpan LongPoll = TimeSpan.FromMilliseconds(500);

    // Invariant: non-empty only when fetched at the current Position and not yet served.
    private ReadOnlyMemory<byte> _fetched;
    private BrokerChannel? _channel = connect();

    public string Topic => topic;

    public int Partition => partition;

    public long Position { get; private set; } = startOffset;

    public void Seek(long offset)
    {
        Position = offset;
        _fetched = default;
    }

    public int Read(Action<Record> onRecord)
    {
        var records = _fetched;
        _fetched = default;
        if (records.IsEmpty)
        {
            records = FetchAsync(TimeSpan.Zero, CancellationToken.None).GetAwaiter().GetResult();
        }
        int count = 0;
        foreach (var batch in RecordBatch.ReadAll(records))
        {
            try
            {
                batch.Validate();
            }
            catch (CorruptRecordException e)
            {
                throw new CorruptRecordException($"{topic}/{partition} offset {batch.BaseOffset} from {_channel?.Address}: {e.Message}", e);
            }
            if (!batch.IsControl)
            {
                foreach (var record in batch)
                {
                    // A fetch starts with the whole batch holding the position.
                    if (record.Offset >= Position)
                    {
                        onRecord(record);
                        count++;
                    }
                }
            }
            Position = Math.Max(Position, batch.LastOffset + 1);
        }
        return count;
    }

    public async Task WaitForDataAsync(CancellationToken cancellationToken)
    {
        while (_fetched.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _fetched = await FetchAsync(LongPoll, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _channel?.Dispose();

    /// <summary>The record batches at <see cref="Position"/> (empty at the end), waiting up to <paramref name="wait"/> for some; reconnects to the leader while the failure is one a failover explains.</summary>
    private async Task<ReadOnlyMemory<byte>> FetchAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        long started = Environment.TickCount64;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                _channel ??= connect();
                return await FetchOnceAsync(_channel, wait, cancellationToken).ConfigureAwait(false);
            }
            catch (IOException) when (Environment.TickCount64 - started < (long)BrokerChannel.Timeout.TotalMilliseconds)
            {
                _channel?.Dispose();
                _channel = null;
                await Task.Delay(Math.Min(1000, 50 << Math.Min(attempt, 5)), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<ReadOnlyMemory<byte>> FetchOnceAsync(BrokerChannel channel, TimeSpan wait, CancellationToken cancellationToken)
    {
        while (true)
        {
            var request = new FetchRequest
            {
                ReplicaId = -1, // a consumer, not a follower
                MaxWaitMs = (int)wait.TotalMilliseconds,
                MinBytes = 1,
                MaxBytes = MaxBytes,
                IsolationLevel = 0,
                SessionId = 0,
                SessionEpoch = -1, // no fetch session: every request names its partition
                Topics = [new FetchRequest.FetchTopic { Topic = topic, Partitions = [new FetchRequest.FetchPartition { Partition = partition, FetchOffset = Position, PartitionMaxBytes = MaxBytes }] }],
            };
            var response = await channel.SendAsync<FetchRequest, FetchResponse>(request, FetchVersion, cancellationToken, wait).ConfigureAwait(false);
            if (response.ErrorCode != 0)
            {
                throw new IOException($"fetching {topic}/{partition} at offset {Position} from {channel.Address}: {ProtocolTopicLog.Name(response.ErrorCode)}");
            }
            var data = response.Responses.Where(t => t.Topic == topic).SelectMany(t => t.Partitions).SingleOrDefault(p => p.PartitionIndex == partition)
                ?? throw new IOException($"{channel.Address} answered a Fetch without {topic}/{partition}");
            switch ((ErrorCode)data.ErrorCode)
            {
                case ErrorCode.None:
                    return data.Records ?? ReadOnlyMemory<byte>.Empty;
                case ErrorCode.UnknownTopicOrPartition:
                    throw new UnknownTopicException($"input {topic}/{partition} does not exist on {channel.Address} (deleted while the query was reading it at offset {Position}?)");
                case ErrorCode.OffsetOutOfRange:
                    long start = await LogStartAsync(channel, cancellationToken).ConfigureAwait(false);
                    if (Position >= start)
                    {
                        throw new OffsetOutOfRangeException($"offset {Position} is beyond the end of {topic}/{partition} on {channel.Address}");
                    }
                    // Retention or compaction removed the records before the log start: read on from there, as the embedded cursor does.
                    Position = start;
                    break;
                default:
                    throw new IOException($"fetching {topic}/{partition} at offset {Position} from {channel.Address}: {ProtocolTopicLog.Name(data.ErrorCode)}");
            }
        }
    }

    private async Task<long> LogStartAsync(BrokerChannel channel, CancellationToken cancellationToken)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1,
            Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = partition, Timestamp = -2 }] }], // −2: the earliest offset
        };
        var response = await channel.SendAsync<ListOffsetsRequest, ListOffsetsResponse>(request, ListOffsetsVersion, cancellationToken).ConfigureAwait(false);
        var answer = response.Topics.SelectMany(t => t.Partitions).SingleOrDefault(p => p.PartitionIndex == partition);
        return answer is { ErrorCode: 0 }
            ? answer.Offset
            : throw new IOException($"{channel.Address} gave no log start for {topic}/{partition}: {(answer is null ? "no answer" : ProtocolTopicLog.Name(answer.ErrorCode))}");
    }
}
