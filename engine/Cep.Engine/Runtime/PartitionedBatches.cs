using System.Text;
using Cep.Engine.State;
using Cep.Storage.Records;
using Cep.Storage.State;

namespace Cep.Engine.Runtime;

/// <summary>
/// One record batch under construction per output partition, appended (and reset) on flush.
/// Batches are capped so none exceeds the default max.message.bytes. Owned by one task.
/// <para>
/// With a producer id (a task whose state is checkpointed), the task writes as an idempotent
/// producer: every record gets the next sequence number of its partition, and the batches
/// carry producer id, epoch 0 and their base sequence. The next sequences are checkpointed.
/// A task restored from a checkpoint re-creates, record for record, what it wrote after that
/// checkpoint (its output is a function of its input); the records whose sequence the log
/// already holds for this producer are dropped here, so the output stays exactly once.
/// </para>
/// </summary>
internal sealed class PartitionedBatches(string topic, int partitions, long producerId = -1) : ICheckpointed
{
    private const int MaxBatchBytes = 900 * 1024;
    private const long SequenceSpace = int.MaxValue + 1L;

    private readonly RecordBatchBuilder?[] _builders = new RecordBatchBuilder?[partitions];
    private readonly List<(int Partition, byte[] Batch)> _full = [];
    private readonly long[] _nextSequence = new long[partitions];

    // Per partition, the last sequence the log held for this producer when the task was restored: records up to it are not written again.
    private readonly long[] _inLogThrough = Enumerable.Repeat(-1L, partitions).ToArray();
    private readonly byte[] _stateKey = Encoding.UTF8.GetBytes($"output/{topic}");

    public string Topic => topic;

    public int Partitions => partitions;

    public string StoreName => TaskState.TaskStore;

    public string Signature => $"output {topic} ({partitions} partitions)";

    /// <summary>The builder to add the next record of <paramref name="partition"/> to (call once per record), or null when the log already has that record.</summary>
    public RecordBatchBuilder? For(int partition)
    {
        long sequence = _nextSequence[partition]++;
        if (sequence <= _inLogThrough[partition])
        {
            return null;
        }
        var builder = _builders[partition] ??= new RecordBatchBuilder();
        if (builder.Count > 0 && builder.EstimatedSize > MaxBatchBytes)
        {
            _full.Add((partition, builder.Build().ToArray()));
            builder.Reset();
        }
        if (builder.Count == 0 && producerId >= 0)
        {
            builder.ProducerId = producerId;
            builder.ProducerEpoch = 0;
            builder.BaseSequence = (int)(sequence % SequenceSpace); // wraps to 0 after int.MaxValue, as Kafka's
        }
        return builder;
    }

    public async ValueTask FlushAsync(ITopicLog log)
    {
        foreach (var (partition, batch) in _full)
        {
            await log.AppendAsync(topic, partition, batch).ConfigureAwait(false);
        }
        _full.Clear();
        for (int partition = 0; partition < _builders.Length; partition++)
        {
            if (_builders[partition] is { Count: > 0 } builder)
            {
                // The append is awaited before the builder is reused, so the log may take (and
                // write offsets into) the builder's own buffer: no copy.
                await log.AppendAsync(topic, partition, builder.Build()).ConfigureAwait(false);
                builder.Reset();
            }
        }
    }

    public void WriteCheckpoint(TaskStateDb state)
    {
        var value = new StateWriter();
        foreach (long next in _nextSequence)
        {
            value.Write(next);
        }
        state.Put(StoreName, _stateKey, value.WrittenSpan);
    }

    public void Restore(TaskStateDb state)
    {
        if (state.Get(StoreName, _stateKey) is { } bytes)
        {
            var value = new StateReader(bytes);
            for (int partition = 0; partition < partitions; partition++)
            {
                _nextSequence[partition] = value.ReadInt64();
            }
        }
    }

    /// <summary>Learns, per partition, how far the log already has this producer's records (after a restore, before the first record).</summary>
    public void SkipWhatTheLogHas(ITopicLog log)
    {
        for (int partition = 0; partition < partitions; partition++)
        {
            _inLogThrough[partition] = log.Producer(topic, partition, producerId) is { LastSequence: >= 0 } logged ? Unwrap(logged.LastSequence, _nextSequence[partition]) : -1;
        }
    }

    /// <summary>
    /// The record number (counted from 0 without wrapping) whose wrapped sequence is
    /// <paramref name="last"/>, taken nearest to the next record to write: the log is at most a
    /// checkpoint interval's output ahead of (or, never, behind) the restored counter.
    /// </summary>
    internal static long Unwrap(int last, long next)
    {
        long distance = ((last - ((next - 1) % SequenceSpace)) % SequenceSpace + SequenceSpace) % SequenceSpace;
        if (distance >= SequenceSpace / 2)
        {
            distance -= SequenceSpace;
        }
        return next - 1 + distance;
    }
}
