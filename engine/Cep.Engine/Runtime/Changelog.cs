using System.Buffers.Binary;
using System.Text;
using Cep.Storage.Records;
using Cep.Storage.State;
using Microsoft.Extensions.Logging;

namespace Cep.Engine.Runtime;

/// <summary>
/// A task's state as a log: partition n of the compacted topic <c>&lt;query&gt;-changelog</c>
/// holds task n's state writes, so the task can start on any machine that reaches the log.
/// Each checkpoint appends what it changed (key: store name length, store name, key; value:
/// the value, or null for a deleted key) and then a <c>checkpoint</c> marker; the state is
/// what the records up to the last marker say, key by key. Compaction keeps the latest value
/// of each key, which is all a restore needs.
/// <para>
/// Invariants: (1) only the task's current owner appends: an owner starts by appending a
/// <c>fence</c> marker as the task's changelog producer with a newer epoch than any before, so
/// a previous owner that still runs (a zombie) is refused from then on; (2) records after the
/// last marker belong to a checkpoint that never finished: they are not applied, and the keys
/// they name are marked changed, so the owner's next checkpoint states those keys' real values
/// again and the history stays linear; (3) a <c>reset</c> marker voids everything before it
/// (a query started over).
/// </para>
/// The local checkpoint records how far into the changelog it is (the offset after its marker),
/// so a task restarting where it ran before replays only what other owners appended since.
/// Owned by one task.
/// </summary>
internal sealed class Changelog(ITopicLog log, string queryName, int partition, int partitions, ILogger logger)
{
    private const int MaxBatchBytes = 900 * 1024;

    private static readonly byte[] CheckpointMarker = Marker("checkpoint");
    private static readonly byte[] FenceMarker = Marker("fence");
    private static readonly byte[] ResetMarker = Marker("reset");
    private static readonly byte[] PositionKey = Encoding.UTF8.GetBytes("changelog-position");

    private readonly string _topic = TopicOf(queryName);
    private readonly long _producerId = ProducerIds.For(queryName, partition, "changelog");
    private readonly RecordBatchBuilder _builder = new();
    private short _epoch;
    private long _nextSequence;

    public string Topic => _topic;

    public static string TopicOf(string queryName) => $"{queryName}-changelog";

    /// <summary>Appends a reset marker to every partition of the query's changelog, if it has one: its state is forgotten everywhere (the query starts over).</summary>
    public static async Task ResetAsync(ITopicLog log, string queryName)
    {
        string topic = TopicOf(queryName);
        int count;
        try
        {
            count = log.PartitionCount(topic);
        }
        catch (Cep.Storage.Topics.UnknownTopicException)
        {
            return;
        }
        var builder = new RecordBatchBuilder();
        for (int p = 0; p < count; p++)
        {
            builder.Reset();
            builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), ResetMarker, Array.Empty<byte>());
            await log.AppendAsync(topic, p, builder.Build());
        }
    }

    /// <summary>
    /// Fences earlier owners, then brings <paramref name="state"/> (restored from the local
    /// checkpoint, if any) up to the changelog's last complete checkpoint.
    /// </summary>
    public async Task RestoreAsync(TaskStateDb state)
    {
        log.EnsureTopic(_topic, partitions, compacted: true);
        if (log.PartitionCount(_topic) <= partition)
        {
            throw new InvalidOperationException($"query '{queryName}' task {partition}: its changelog '{_topic}' has {log.PartitionCount(_topic)} partitions; the query now runs more tasks. Deploy it again with a start position");
        }
        long fence = await FenceAsync();
        long from = state.RestoredCheckpoint is null ? 0 : ReadPosition(state);
        if (from > fence)
        {
            logger.LogWarning("Query {Query} task {Task}: the local state is at {Position} of {Topic} but it ends at {End}; restoring from the changelog alone", queryName, partition, from, _topic, fence);
            state.Clear();
            from = 0;
        }
        var (applied, unfinished, _) = await ReplayAsync(state, from, fence, markUnfinished: true);
        // Said whenever the state came from somewhere (a local or standby checkpoint, or other owners' changes), even when nothing was left to apply.
        if (from > 0 || applied > 0 || unfinished > 0)
        {
            logger.LogInformation(
                "Query {Query} task {Task}: restored from {Topic}: applied {Applied} changes of [{From}, {Fence}) after the local checkpoint; {Unfinished} from an unfinished checkpoint will be restated",
                queryName, partition, _topic, applied, from, fence, unfinished);
        }
    }

    /// <summary>
    /// A standby's catch-up: applies to <paramref name="state"/> (not the owner's; never
    /// appends) every checkpoint the changelog completed since the state's position, and stages
    /// the new position; returns how many changes it applied.
    /// </summary>
    public async Task<int> CatchUpAsync(TaskStateDb state)
    {
        long from = ReadPosition(state);
        long end = log.EndOffset(_topic, partition);
        if (end <= from)
        {
            return 0;
        }
        var (applied, _, through) = await ReplayAsync(state, from, end, markUnfinished: false);
        if (through > from)
        {
            WritePosition(state, through);
        }
        return applied;
    }

    /// <summary>Appends the changes of a checkpoint and its marker; stages the position after the marker into <paramref name="state"/>.</summary>
    public async Task AppendAsync(TaskStateDb state, List<StateChange> changes)
    {
        long timestamp = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var key = new System.Buffers.ArrayBufferWriter<byte>();
        foreach (var change in changes)
        {
            if (_builder.Count > 0 && _builder.EstimatedSize > MaxBatchBytes)
            {
                await FlushAsync();
            }
            key.ResetWrittenCount();
            WriteKey(key, change.Store, change.Key);
            StartBatchIfEmpty();
            _builder.Add(timestamp, key.WrittenSpan.ToArray(), change.Value);
        }
        StartBatchIfEmpty();
        _builder.Add(timestamp, CheckpointMarker, Array.Empty<byte>()); // not null: a tombstone would let compaction drop the last marker
        await FlushAsync();
        WritePosition(state, log.EndOffset(_topic, partition));
    }

    /// <summary>Appends the fence marker under a new epoch; returns its offset (everything before it was written by earlier owners).</summary>
    private async Task<long> FenceAsync()
    {
        var known = log.Producer(_topic, partition, _producerId);
        _epoch = known is { } producer ? (short)(producer.Epoch + 1) : (short)0;
        _nextSequence = 0;
        StartBatchIfEmpty();
        _builder.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), FenceMarker, BitConverter.GetBytes(_epoch));
        await FlushAsync();
        return log.EndOffset(_topic, partition) - 1;
    }

    /// <summary>
    /// Applies the complete checkpoints in [<paramref name="from"/>, <paramref name="to"/>);
    /// returns how many changes that was, how many came after the last marker (marked changed
    /// when <paramref name="markUnfinished"/>), and the offset after the last marker applied.
    /// </summary>
    private async Task<(int Applied, int Unfinished, long Through)> ReplayAsync(TaskStateDb state, long from, long to, bool markUnfinished)
    {
        var cursor = log.OpenCursor(_topic, partition, from);
        var pending = new List<StateChange>();
        int applied = 0;
        long through = from;
        try
        {
            while (cursor.Position < to)
            {
                int read = cursor.Read(record =>
                {
                    if (record.Offset >= to)
                    {
                        return;
                    }
                    var key = record.Key is { } k ? k.Span : default;
                    if (key.SequenceEqual(CheckpointMarker))
                    {
                        state.Load(pending);
                        applied += pending.Count;
                        pending.Clear();
                        through = record.Offset + 1;
                    }
                    else if (key.SequenceEqual(ResetMarker))
                    {
                        pending.Clear();
                        state.Clear(); // what it held is restated (as deleted) by the next checkpoint
                    }
                    else if (!key.SequenceEqual(FenceMarker) && ReadKey(key) is { } entry)
                    {
                        pending.Add(new StateChange(entry.Store, entry.Key, record.Value?.ToArray()));
                    }
                });
                if (read == 0 && cursor.Position < to)
                {
                    await cursor.WaitForDataAsync(CancellationToken.None);
                }
            }
        }
        finally
        {
            (cursor as IDisposable)?.Dispose();
        }
        foreach (var change in pending.Where(c => markUnfinished && state.Stores.Contains(c.Store)))
        {
            state.MarkChanged(change.Store, change.Key);
        }
        return (applied, pending.Count, through);
    }

    private void StartBatchIfEmpty()
    {
        if (_builder.Count == 0)
        {
            _builder.ProducerId = _producerId;
            _builder.ProducerEpoch = _epoch;
            _builder.BaseSequence = (int)(_nextSequence % (int.MaxValue + 1L));
        }
    }

    private async Task FlushAsync()
    {
        if (_builder.Count == 0)
        {
            return;
        }
        int count = _builder.Count;
        try
        {
            await log.AppendAsync(_topic, partition, _builder.Build());
        }
        catch (Cep.Storage.Log.InvalidProducerEpochException e)
        {
            throw new TaskFencedException($"query '{queryName}' task {partition}: another member took the task over (its changelog {_topic} has a newer owner); this member stops running it", e);
        }
        finally
        {
            _builder.Reset();
        }
        _nextSequence += count;
    }

    private static void WritePosition(TaskStateDb state, long position)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, position);
        state.PutUntracked(TaskState.TaskStore, PositionKey, bytes);
    }

    private static long ReadPosition(TaskStateDb state) =>
        state.Get(TaskState.TaskStore, PositionKey) is { Length: 8 } bytes ? BinaryPrimitives.ReadInt64LittleEndian(bytes) : 0;

    private static void WriteKey(System.Buffers.ArrayBufferWriter<byte> writer, string store, byte[] key)
    {
        int length = Encoding.UTF8.GetByteCount(store);
        var span = writer.GetSpan(1 + length + key.Length);
        span[0] = checked((byte)length);
        Encoding.UTF8.GetBytes(store, span[1..]);
        key.CopyTo(span[(1 + length)..]);
        writer.Advance(1 + length + key.Length);
    }

    private static (string Store, byte[] Key)? ReadKey(ReadOnlySpan<byte> key)
    {
        if (key.Length == 0 || key[0] == 0 || key.Length < 1 + key[0])
        {
            return null;
        }
        return (Encoding.UTF8.GetString(key.Slice(1, key[0])), key[(1 + key[0])..].ToArray());
    }

    /// <summary>A marker's key: a zero store-name length (no store has an empty name), then its name.</summary>
    private static byte[] Marker(string name) => [0, .. Encoding.ASCII.GetBytes(name)];
}
