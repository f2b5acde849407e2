using System.Collections.Immutable;
using Cep.Storage.Records;

namespace Cep.Storage.Log;

/// <summary>
/// One idempotent producer as a partition knows it: its epoch and its last few appended
/// batches, newest last (at most <see cref="RetainedBatches"/>, as Kafka keeps 5: a producer
/// has at most 5 requests in flight, so any retry it can send is among them).
/// Immutable: an append makes a new state (<see cref="With"/>), so a request can be checked
/// against states it has not yet committed, and readers may hold a state without a lock.
/// Invariant: <see cref="Batches"/> is never empty and all its batches have <see cref="Epoch"/>.
/// </summary>
public sealed class ProducerState
{
    /// <summary>How many recent batches are remembered per producer.</summary>
    public const int RetainedBatches = 5;

    private ProducerState(long producerId, short epoch, ImmutableArray<ProducerBatch> batches)
    {
        ProducerId = producerId;
        Epoch = epoch;
        Batches = batches;
    }

    public long ProducerId { get; }

    public short Epoch { get; }

    /// <summary>The recent batches, oldest first.</summary>
    public ImmutableArray<ProducerBatch> Batches { get; }

    /// <summary>The sequence of the last record appended.</summary>
    public int LastSequence => Batches[^1].LastSequence;

    /// <summary>The offset of the last record appended.</summary>
    public long LastOffset => Batches[^1].LastOffset;

    internal static ProducerState Create(long producerId, short epoch, IEnumerable<ProducerBatch> batches)
    {
        var array = batches.TakeLast(RetainedBatches).ToImmutableArray();
        return array.Length > 0 ? new ProducerState(producerId, epoch, array) : throw new ArgumentException("a producer state needs at least one batch", nameof(batches));
    }

    /// <summary>The state of a producer first seen with <paramref name="batch"/>.</summary>
    internal static ProducerState First(long producerId, short epoch, ProducerBatch batch) => new(producerId, epoch, [batch]);

    /// <summary>The state after <paramref name="batch"/> is appended: a new epoch forgets the old epoch's batches.</summary>
    internal ProducerState With(short epoch, ProducerBatch batch)
    {
        if (epoch != Epoch)
        {
            return First(ProducerId, epoch, batch);
        }
        int keep = Math.Min(Batches.Length, RetainedBatches - 1);
        return new ProducerState(ProducerId, epoch, [.. Batches.AsSpan()[(Batches.Length - keep)..], batch]);
    }

    /// <summary>The remembered batch with exactly this epoch and sequence range, if any: a retry.</summary>
    internal ProducerBatch? FindDuplicate(short epoch, int firstSequence, int lastSequence)
    {
        if (epoch != Epoch)
        {
            return null;
        }
        foreach (var batch in Batches)
        {
            if (batch.FirstSequence == firstSequence && batch.LastSequence == lastSequence)
            {
                return batch;
            }
        }
        return null;
    }

    /// <summary>
    /// The sequence of a batch's last record. Sequences wrap from <see cref="int.MaxValue"/> to
    /// 0, as Kafka's do, so a long-lived producer never runs out.
    /// </summary>
    internal static int LastSequenceOf(RecordBatch batch) => IncrementSequence(batch.BaseSequence, batch.LastOffsetDelta);

    /// <summary>The sequence after <paramref name="sequence"/> (with wrap-around).</summary>
    internal static int NextSequence(int sequence) => IncrementSequence(sequence, 1);

    private static int IncrementSequence(int sequence, int increment) =>
        sequence > int.MaxValue - increment ? increment - (int.MaxValue - sequence) - 1 : sequence + increment;
}
