using Cep.Broker.Protocol;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Broker.Groups;

/// <summary>
/// Committed offsets, kept in memory and in the internal compacted topic
/// <c>__consumer_offsets</c> (one record per group, topic and partition: the latest wins, a
/// tombstone deletes; created with the first commit), which is read back whole when the broker starts. A commit is in the map
/// only after its record is durably appended, so an acknowledged commit survives a crash.
/// Record layout (big-endian, version 1): key = version int16, group, topic (int16-length
/// UTF-8), partition int32; value = version int16, offset int64, leader epoch int32, metadata
/// (int16 length, −1 null), commit timestamp int64. On a cluster node the topic is replicated
/// (created by the controller) and commits go through <c>append</c> to its leader, acknowledged
/// once every in-sync replica has them; the node that leads it reloads the map from its replica
/// when it takes over (<see cref="Reload"/>). Thread-safe.
/// </summary>
public sealed class OffsetStore
{
    public const string Topic = "__consumer_offsets";
    private const short Version = 1;

    private readonly TopicStore _store;
    private readonly Lock _lock = new();
    private readonly Dictionary<OffsetKey, CommittedOffset> _offsets = [];

    private readonly Func<Memory<byte>, Task>? _append;

    /// <param name="append">How a batch of commits is appended on a cluster node (to the replicated topic's leader); null: to the store's own topic, created with the first commit.</param>
    public OffsetStore(TopicStore store, Func<Memory<byte>, Task>? append = null)
    {
        _store = store;
        _append = append;
        Reload();
    }

    /// <summary>Forgets the map and reads it again from the topic (a cluster node that now leads the offsets topic: commits were made elsewhere meanwhile).</summary>
    public void Reload()
    {
        lock (_lock)
        {
            _offsets.Clear();
            if (_store.ListTopics().Contains(Topic))
            {
                Load();
            }
        }
    }

    /// <summary>The groups that have committed offsets.</summary>
    public IReadOnlyList<string> Groups()
    {
        lock (_lock)
        {
            return _offsets.Keys.Select(k => k.GroupId).Distinct().ToList();
        }
    }

    /// <summary>Every committed offset of <paramref name="groupId"/>.</summary>
    public IReadOnlyList<(OffsetKey Key, CommittedOffset Offset)> Of(string groupId)
    {
        lock (_lock)
        {
            return _offsets.Where(o => o.Key.GroupId == groupId).Select(o => (o.Key, o.Value)).ToList();
        }
    }

    public CommittedOffset? Get(OffsetKey key)
    {
        lock (_lock)
        {
            return _offsets.GetValueOrDefault(key);
        }
    }

    /// <summary>Appends the commits (one batch) and, once durable, makes them visible.</summary>
    public async Task CommitAsync(IReadOnlyList<(OffsetKey Key, CommittedOffset Offset)> commits)
    {
        if (commits.Count == 0)
        {
            return;
        }
        await AppendAsync(commits.Select(c => (c.Key, (CommittedOffset?)c.Offset))).ConfigureAwait(false);
        lock (_lock)
        {
            foreach (var (key, offset) in commits)
            {
                _offsets[key] = offset;
            }
        }
    }

    /// <summary>Deletes every offset of <paramref name="groupId"/> (tombstones); returns how many there were.</summary>
    public async Task<int> DeleteGroupAsync(string groupId)
    {
        var keys = Of(groupId).Select(o => o.Key).ToList();
        if (keys.Count > 0)
        {
            await AppendAsync(keys.Select(k => (k, (CommittedOffset?)null))).ConfigureAwait(false);
            lock (_lock)
            {
                foreach (var key in keys)
                {
                    _offsets.Remove(key);
                }
            }
        }
        return keys.Count;
    }

    private async Task AppendAsync(IEnumerable<(OffsetKey Key, CommittedOffset? Offset)> records)
    {
        var batch = new RecordBatchBuilder();
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var (key, offset) in records)
        {
            batch.Add(now, EncodeKey(key), offset is null ? null : EncodeValue(offset));
        }
        if (_append is not null)
        {
            await _append(batch.Build().ToArray()).ConfigureAwait(false);
            return;
        }
        lock (_lock)
        {
            // Created with the first commit, as Kafka creates its offsets topic when first needed.
            if (!_store.ListTopics().Contains(Topic))
            {
                _store.CreateTopic(Topic, 1, 1, [new("cleanup.policy", "compact")]);
            }
        }
        await _store.GetPartition(Topic, 0).AppendAsync(batch.Build().ToArray()).ConfigureAwait(false);
    }

    /// <summary>Reads the topic: to the high watermark, or on a cluster node (the new leader of the topic) to its log end — all of it becomes committed under this leader.</summary>
    private void Load()
    {
        var log = _store.GetPartition(Topic, 0);
        long offset = log.LogStartOffset;
        long end = _append is null ? log.HighWatermark : log.LogEndOffset;
        while (offset < end)
        {
            long next = offset;
            var read = _append is null ? log.Read(offset, 1 << 20) : log.ReadForReplica(offset, 1 << 20);
            foreach (var batch in RecordBatch.ReadAll(read.Records))
            {
                foreach (var record in batch)
                {
                    if (record.Offset >= offset && record.Key is { } key)
                    {
                        var decoded = DecodeKey(key);
                        if (record.Value is { } value)
                        {
                            _offsets[decoded] = DecodeValue(value);
                        }
                        else
                        {
                            _offsets.Remove(decoded);
                        }
                    }
                }
                next = batch.LastOffset + 1;
            }
            if (next == offset)
            {
                break;
            }
            offset = next;
        }
    }

    private static byte[] EncodeKey(OffsetKey key)
    {
        var writer = new KafkaWriter(64);
        writer.WriteInt16(Version);
        writer.WriteString(key.GroupId, flexible: false);
        writer.WriteString(key.Topic, flexible: false);
        writer.WriteInt32(key.Partition);
        return writer.Written.ToArray();
    }

    private static byte[] EncodeValue(CommittedOffset offset)
    {
        var writer = new KafkaWriter(64);
        writer.WriteInt16(Version);
        writer.WriteInt64(offset.Offset);
        writer.WriteInt32(offset.LeaderEpoch);
        writer.WriteNullableString(offset.Metadata, flexible: false);
        writer.WriteInt64(offset.CommitTimestamp);
        return writer.Written.ToArray();
    }

    private static OffsetKey DecodeKey(ReadOnlyMemory<byte> bytes)
    {
        var reader = new KafkaReader(bytes);
        reader.ReadInt16();
        return new OffsetKey(reader.ReadString(flexible: false), reader.ReadString(flexible: false), reader.ReadInt32());
    }

    private static CommittedOffset DecodeValue(ReadOnlyMemory<byte> bytes)
    {
        var reader = new KafkaReader(bytes);
        reader.ReadInt16();
        return new CommittedOffset(reader.ReadInt64(), reader.ReadInt32(), reader.ReadNullableString(flexible: false), reader.ReadInt64());
    }
}
