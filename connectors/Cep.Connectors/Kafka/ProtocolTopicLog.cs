using System.Collections.Concurrent;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Engine.Runtime;
using Cep.Storage.Log;
using Cep.Storage.Topics;

namespace Cep.Connectors.Kafka;

/// <summary>
/// <see cref="ITopicLog"/> speaking the Kafka protocol itself (Cep's <c>KafkaConnection</c> and
/// generated messages) to Cep's broker or any Kafka cluster. Unlike <see cref="KafkaTopicLog"/>
/// it produces the engine's RecordBatch v2 batches verbatim — with the engine's own producer
/// ids, epochs and sequence numbers — so the broker deduplicates a restored task's re-written
/// output and fences an older epoch, and <see cref="Producer"/> asks the partition
/// (DescribeProducers) what a producer already wrote: exactly once across processes, as on the
/// embedded log. Requests about a partition go to its leader (from Metadata, cached per
/// partition, connections cached per broker id; dropped when the leader answers that it no
/// longer knows the partition); each cursor has its own connection, so its long-poll Fetch never
/// delays an append. Broker errors map to the storage exceptions the embedded log throws. A
/// dead broker gives an <see cref="IOException"/> naming its address after at most 30 s; the
/// broken connection is reopened by the next call. Thread-safe; dispose after every query
/// stopped (cursors are disposed by their tasks).
/// </summary>
public sealed class ProtocolTopicLog : ITopicLog, IDisposable
{
    // The versions Cep's broker serves at most (its generated messages); Kafka 2.4+ serves them too.
    private const short ProduceVersion = 8;
    private const short ListOffsetsVersion = 5;
    private const short MetadataVersion = 8;
    private const short CreateTopicsVersion = 4;
    private const short DescribeProducersVersion = 0;

    /// <summary>PRODUCER_FENCED (Kafka 2.7+), absent from the broker's own error codes.</summary>
    private const short ProducerFenced = 90;

    private const long LatestTimestamp = -1;
    private const long EarliestTimestamp = -2;

    private readonly BrokerChannel _bootstrap;
    private readonly string _clientId;
    private readonly ConcurrentDictionary<(string Topic, int Partition), int> _leaders = new();
    private readonly Dictionary<int, BrokerChannel> _brokers = [];

    /// <param name="bootstrapServer">HOST:PORT of a broker to ask for metadata.</param>
    /// <param name="clientId">The client id the broker sees in every request.</param>
    public ProtocolTopicLog(string bootstrapServer, string clientId = "cep-engine")
    {
        int colon = bootstrapServer.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(bootstrapServer.AsSpan(colon + 1), out int port) || port is <= 0 or > 65535)
        {
            throw new ArgumentException($"expected HOST:PORT, got '{bootstrapServer}'", nameof(bootstrapServer));
        }
        _clientId = clientId;
        _bootstrap = new BrokerChannel(bootstrapServer[..colon].Trim('[', ']'), port, clientId);
    }

    public int PartitionCount(string topic) => MetadataAsync(topic).GetAwaiter().GetResult().Partitions.Count;

    public long EndOffset(string topic, int partition) => Retrying(topic, partition, () => ListOffset(topic, partition, LatestTimestamp)).Offset;

    public void EnsureTopic(string topic, int partitions, bool compacted = false)
    {
        var request = new CreateTopicsRequest
        {
            TimeoutMs = (int)BrokerChannel.Timeout.TotalMilliseconds,
            Topics =
            [
                new CreateTopicsRequest.CreatableTopic
                {
                    Name = topic,
                    NumPartitions = partitions,
                    ReplicationFactor = -1, // the cluster's default
                    Configs = compacted ? [new CreateTopicsRequest.CreateableTopicConfig { Name = "cleanup.policy", Value = "compact" }] : [],
                },
            ],
        };
        // A cluster electing its controller answers NOT_CONTROLLER for a moment: ask again.
        CreateTopicsResponse.CreatableTopicResult result;
        for (int attempt = 0; ; attempt++)
        {
            var response = _bootstrap.Send<CreateTopicsRequest, CreateTopicsResponse>(request, CreateTopicsVersion);
            result = response.Topics.SingleOrDefault(t => t.Name == topic)
                ?? throw new IOException($"{_bootstrap.Address} answered CreateTopics without topic '{topic}'");
            if (result.ErrorCode != (short)ErrorCode.NotController || attempt == 20)
            {
                break;
            }
            Thread.Sleep(250);
        }
        switch ((ErrorCode)result.ErrorCode)
        {
            case ErrorCode.None:
            case ErrorCode.TopicAlreadyExists: // another task of the same query created it first
                return;
            case ErrorCode.InvalidTopicException:
                throw new InvalidTopicException($"cannot create topic '{topic}' on {_bootstrap.Address}: {result.ErrorMessage}");
            default:
                throw new IOException($"cannot create topic '{topic}' ({partitions} partitions{(compacted ? ", compacted" : "")}) on {_bootstrap.Address}: {Name(result.ErrorCode)} {result.ErrorMessage}".TrimEnd());
        }
    }

    public long OffsetForTimestamp(string topic, int partition, long timestamp)
    {
        // −1 and −2 are the protocol's "latest" and "earliest"; every record is at or after a
        // negative time, so the log start answers (the end offset when the log is empty).
        var found = Retrying(topic, partition, () => ListOffset(topic, partition, timestamp < 0 ? EarliestTimestamp : timestamp));
        return found.Offset >= 0 ? found.Offset : EndOffset(topic, partition);
    }

    public IPartitionCursor OpenCursor(string topic, int partition, long startOffset)
    {
        // Its own connection: a cursor's long-poll Fetch would hold up every answer after it.
        // After the first, each connect asks Metadata again: the leader may have moved.
        bool first = true;
        BrokerChannel Connect()
        {
            if (!first)
            {
                _leaders.TryRemove((topic, partition), out _);
            }
            first = false;
            var leader = Leader(topic, partition);
            return new BrokerChannel(leader.Host, leader.Port, _clientId);
        }
        return new ProtocolCursor(Connect, topic, partition, startOffset);
    }

    public LoggedProducer? Producer(string topic, int partition, long producerId) => Retrying(topic, partition, () => ProducerOnce(topic, partition, producerId));

    private LoggedProducer? ProducerOnce(string topic, int partition, long producerId)
    {
        var request = new DescribeProducersRequest { Topics = [new DescribeProducersRequest.TopicRequest { Name = topic, PartitionIndexes = [partition] }] };
        var channel = Leader(topic, partition);
        var response = Call(topic, partition, () => channel.Send<DescribeProducersRequest, DescribeProducersResponse>(request, DescribeProducersVersion));
        var answer = response.Topics.Where(t => t.Name == topic).SelectMany(t => t.Partitions).SingleOrDefault(p => p.PartitionIndex == partition)
            ?? throw new IOException($"{channel.Address} answered DescribeProducers without {topic}/{partition}");
        Check(answer.ErrorCode, answer.ErrorMessage, topic, partition, "describing the producers of", channel);
        var state = answer.ActiveProducers.FirstOrDefault(p => p.ProducerId == producerId);
        return state is null ? null : new LoggedProducer((short)state.ProducerEpoch, state.LastSequence);
    }

    /// <summary>
    /// Appends with acks=all at the partition's leader. A leader that moved, is not there yet or
    /// lacks in-sync replicas (a cluster in failover), or a broken connection, is retried with
    /// backoff — the leader asked again each time — for up to <see cref="BrokerChannel.Timeout"/>;
    /// a retried idempotent batch is stored once. Other refusals throw at once.
    /// </summary>
    public async ValueTask AppendAsync(string topic, int partition, Memory<byte> batch)
    {
        long started = Environment.TickCount64;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                await AppendOnceAsync(topic, partition, batch).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (Retriable(e, started))
            {
                _leaders.TryRemove((topic, partition), out _);
                await Task.Delay(Math.Min(1000, 50 << Math.Min(attempt, 5))).ConfigureAwait(false);
            }
            catch (LeaderDoesNotKnowException e)
            {
                throw new UnknownTopicException(e.Message);
            }
        }
    }

    private async Task AppendOnceAsync(string topic, int partition, Memory<byte> batch)
    {
        var channel = await LeaderAsync(topic, partition).ConfigureAwait(false);
        var request = new ProduceRequest
        {
            Acks = -1, // the topic's durability policy, as the embedded append
            TimeoutMs = (int)BrokerChannel.Timeout.TotalMilliseconds,
            TopicData =
            [
                new ProduceRequest.TopicProduceData
                {
                    Name = topic,
                    // Verbatim: the broker checks the engine's producer id, epoch and sequence.
                    PartitionData = [new ProduceRequest.PartitionProduceData { Index = partition, Records = batch }],
                },
            ],
        };
        ProduceResponse response;
        try
        {
            response = await channel.SendAsync<ProduceRequest, ProduceResponse>(request, ProduceVersion, CancellationToken.None).ConfigureAwait(false);
        }
        catch (IOException)
        {
            _leaders.TryRemove((topic, partition), out _);
            throw;
        }
        var answer = response.Responses.Where(t => t.Name == topic).SelectMany(t => t.PartitionResponses).SingleOrDefault(p => p.Index == partition)
            ?? throw new IOException($"{channel.Address} answered Produce without {topic}/{partition}");
        if (answer.ErrorCode != (short)ErrorCode.DuplicateSequenceNumber) // the batch is already in the log: done
        {
            Check(answer.ErrorCode, answer.ErrorMessage, topic, partition, "appending to", channel);
        }
    }

    public void Dispose()
    {
        BrokerChannel[] brokers;
        lock (_brokers)
        {
            brokers = [.. _brokers.Values];
            _brokers.Clear();
        }
        foreach (var broker in brokers.Where(b => b != _bootstrap))
        {
            broker.Dispose();
        }
        _bootstrap.Dispose();
    }

    /// <summary>The topic's metadata from the bootstrap broker; remembers its partitions' leaders.</summary>
    private async Task<MetadataResponse.MetadataResponseTopic> MetadataAsync(string topic)
    {
        var request = new MetadataRequest { Topics = [new MetadataRequest.MetadataRequestTopic { Name = topic }], AllowAutoTopicCreation = false };
        var response = await _bootstrap.SendAsync<MetadataRequest, MetadataResponse>(request, MetadataVersion, CancellationToken.None).ConfigureAwait(false);
        var answer = response.Topics.SingleOrDefault(t => t.Name == topic);
        if (answer is null || answer.ErrorCode == (short)ErrorCode.UnknownTopicOrPartition || (answer.ErrorCode == 0 && answer.Partitions.Count == 0))
        {
            throw new UnknownTopicException($"topic '{topic}' does not exist on {_bootstrap.Address}");
        }
        if (answer.ErrorCode != 0)
        {
            throw new IOException($"{_bootstrap.Address} has no metadata for topic '{topic}': {Name(answer.ErrorCode)}");
        }
        lock (_brokers)
        {
            foreach (var broker in response.Brokers)
            {
                if (!_brokers.ContainsKey(broker.NodeId))
                {
                    // The bootstrap broker itself gets no second connection.
                    _brokers[broker.NodeId] = broker.Host == _bootstrap.Host && broker.Port == _bootstrap.Port
                        ? _bootstrap
                        : new BrokerChannel(broker.Host, broker.Port, _clientId);
                }
            }
        }
        foreach (var partition in answer.Partitions)
        {
            _leaders[(topic, partition.PartitionIndex)] = partition.LeaderId;
        }
        return answer;
    }

    /// <summary>The channel to the partition's leader (Metadata on a cache miss).</summary>
    /// <exception cref="UnknownTopicException">No such topic or partition.</exception>
    private BrokerChannel Leader(string topic, int partition) => LeaderAsync(topic, partition).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc cref="Leader"/>
    private async ValueTask<BrokerChannel> LeaderAsync(string topic, int partition)
    {
        if (!_leaders.TryGetValue((topic, partition), out int leader))
        {
            var metadata = await MetadataAsync(topic).ConfigureAwait(false);
            var found = metadata.Partitions.SingleOrDefault(p => p.PartitionIndex == partition)
                ?? throw new UnknownTopicException($"topic '{topic}' has no partition {partition} on {_bootstrap.Address} ({metadata.Partitions.Count} partitions)");
            if (found.ErrorCode != 0 || found.LeaderId < 0)
            {
                throw new IOException($"{topic}/{partition} has no leader on {_bootstrap.Address}: {Name(found.ErrorCode)}");
            }
            leader = found.LeaderId;
        }
        lock (_brokers)
        {
            return _brokers.TryGetValue(leader, out var channel)
                ? channel
                : throw new IOException($"the leader of {topic}/{partition} (node {leader}) is not among the brokers {_bootstrap.Address} named");
        }
    }

    private ListOffsetsResponse.ListOffsetsPartitionResponse ListOffset(string topic, int partition, long timestamp)
    {
        var request = new ListOffsetsRequest
        {
            ReplicaId = -1, // a client, not a follower
            IsolationLevel = 0, // read_uncommitted: the high watermark (the engine writes no transactions)
            Topics = [new ListOffsetsRequest.ListOffsetsTopic { Name = topic, Partitions = [new ListOffsetsRequest.ListOffsetsPartition { PartitionIndex = partition, Timestamp = timestamp }] }],
        };
        var channel = Leader(topic, partition);
        var response = Call(topic, partition, () => channel.Send<ListOffsetsRequest, ListOffsetsResponse>(request, ListOffsetsVersion));
        var answer = response.Topics.Where(t => t.Name == topic).SelectMany(t => t.Partitions).SingleOrDefault(p => p.PartitionIndex == partition)
            ?? throw new IOException($"{channel.Address} answered ListOffsets without {topic}/{partition}");
        Check(answer.ErrorCode, null, topic, partition, "listing offsets of", channel);
        return answer;
    }

    /// <summary>
    /// Runs <paramref name="call"/> again, the leader asked anew, while its failure is one a
    /// cluster explains: a broken connection or a leader that moved (up to
    /// <see cref="BrokerChannel.Timeout"/>), or a topic just created that the leader's metadata
    /// does not show yet (up to 5 s).
    /// </summary>
    private T Retrying<T>(string topic, int partition, Func<T> call)
    {
        long started = Environment.TickCount64;
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return call();
            }
            catch (Exception e) when (Retriable(e, started))
            {
                _leaders.TryRemove((topic, partition), out _);
                Thread.Sleep(Math.Min(1000, 50 << Math.Min(attempt, 5)));
            }
            catch (LeaderDoesNotKnowException e)
            {
                throw new UnknownTopicException(e.Message);
            }
        }
    }

    /// <summary>A broken connection or a moved leader, within the channel's timeout; a leader that does not know a topic the metadata named, within 2 s (a topic just created reaches every node's metadata in about a heartbeat).</summary>
    private static bool Retriable(Exception e, long started) =>
        (e is IOException && Environment.TickCount64 - started < (long)BrokerChannel.Timeout.TotalMilliseconds)
        || (e is LeaderDoesNotKnowException && Environment.TickCount64 - started < 2_000);

    /// <summary>Runs a request to a partition's leader, forgetting the leader when its connection fails (it may have moved).</summary>
    private TResponse Call<TResponse>(string topic, int partition, Func<TResponse> send)
    {
        try
        {
            return send();
        }
        catch (IOException)
        {
            _leaders.TryRemove((topic, partition), out _);
            throw;
        }
    }

    /// <summary>Throws the storage exception the embedded log would for a partition's error code (nothing for none).</summary>
    private void Check(short code, string? message, string topic, int partition, string doing, BrokerChannel channel)
    {
        if (code == 0)
        {
            return;
        }
        if (code is (short)ErrorCode.UnknownTopicOrPartition or (short)ErrorCode.NotLeaderOrFollower or (short)ErrorCode.LeaderNotAvailable)
        {
            _leaders.TryRemove((topic, partition), out _); // ask Metadata again next time
        }
        string detail = $"{topic}/{partition} on {channel.Address}: {Name(code)}{(string.IsNullOrEmpty(message) ? "" : $" ({message})")}";
        throw code switch
        {
            (short)ErrorCode.InvalidProducerEpoch or ProducerFenced => new InvalidProducerEpochException($"fenced {doing} {detail}"),
            (short)ErrorCode.OutOfOrderSequenceNumber => new OutOfOrderSequenceException($"sequence gap {doing} {detail}"),
            (short)ErrorCode.UnknownTopicOrPartition => new LeaderDoesNotKnowException($"no such topic or partition {doing} {detail}"),
            _ => new IOException($"failed {doing} {detail}"),
        };
    }

    /// <summary>The leader answered UNKNOWN_TOPIC_OR_PARTITION for a partition the metadata named: the topic was just created and has not reached it yet, or was deleted. Becomes an <see cref="UnknownTopicException"/> when retrying does not help.</summary>
    private sealed class LeaderDoesNotKnowException(string message) : Exception(message);

    /// <summary>The protocol's name for an error code (the number for codes the broker does not define).</summary>
    internal static string Name(short code) =>
        Enum.IsDefined((ErrorCode)code) ? $"{(ErrorCode)code} ({code})" : code == ProducerFenced ? $"ProducerFenced ({code})" : $"error {code}";
}
