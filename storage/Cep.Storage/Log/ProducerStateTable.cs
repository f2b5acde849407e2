using Cep.Storage.Records;

namespace Cep.Storage.Log;

/// <summary>
/// A partition's idempotent producers (producer id → <see cref="ProducerState"/>), as of
/// <see cref="EndOffset"/>. Decides what an append of idempotent batches may do (KIP-98):
/// <list type="bullet">
/// <item>a retry (same epoch and sequence range as one of the producer's recent batches) is not
/// appended again but acknowledged with the original offsets;</item>
/// <item>a batch starting at the producer's last sequence + 1, or a new epoch starting at 0, is
/// appended;</item>
/// <item>anything else is refused: an older epoch (<see cref="InvalidProducerEpochException"/>),
/// a gap or an old sequence that is not a recent batch (<see cref="OutOfOrderSequenceException"/>).</item>
/// </list>
/// A producer the table does not know may start at any sequence, as in Kafka since KIP-360: its
/// state may have left with the segments retention deleted, and it must not be stuck for that.
/// Batches with producer id −1 are not tracked.
/// A request is all or nothing: either every idempotent batch in it is a retry (then it is
/// acknowledged whole with the original offsets), or none is. A request mixing retries with new
/// batches is refused (<see cref="InvalidRecordException"/>): Kafka's clients send one batch per
/// partition per request, so only a broken client mixes them, and one result cannot name two
/// offset ranges.
/// Thread-safety: none; the partition calls it under its write lock.
/// </summary>
internal sealed class ProducerStateTable
{
    private readonly Dictionary<long, ProducerState> _producers = [];

    /// <summary>A table holding <paramref name="producers"/>, describing the log below <paramref name="endOffset"/>.</summary>
    public ProducerStateTable(long endOffset, IEnumerable<ProducerState> producers)
    {
        EndOffset = endOffset;
        foreach (var producer in producers)
        {
            _producers[producer.ProducerId] = producer;
        }
    }

    /// <summary>Every batch below this offset has been applied, and none at or above it.</summary>
    public long EndOffset { get; private set; }

    public IReadOnlyCollection<ProducerState> Producers => _producers.Values;

    public ProducerState? Get(long producerId) => _producers.GetValueOrDefault(producerId);

    /// <summary>
    /// Checks a validated request whose first batch would get <paramref name="firstOffset"/>,
    /// changing nothing. Returns null when every batch is to be appended, or the original
    /// placement when the request is a retry; throws when it must be refused.
    /// </summary>
    public AppendResult? Check(string name, ReadOnlyMemory<byte> batches, List<(int Start, int Size)> ranges, long firstOffset, bool logAppendTime)
    {
        // The states this request would leave, so its later batches are checked against its earlier ones.
        Dictionary<long, ProducerState>? pending = null;
        long offset = firstOffset;
        int fresh = 0;
        int retries = 0;
        int retriedRecords = 0;
        ProducerBatch firstRetry = default, lastRetry = default;
        foreach (var (start, size) in ranges)
        {
            var batch = new RecordBatch(batches.Slice(start, size));
            long baseOffset = offset;
            offset += batch.LastOffsetDelta + 1L;
            if (batch.ProducerId < 0)
            {
                fresh++;
                continue;
            }
            var current = pending?.GetValueOrDefault(batch.ProducerId) ?? Get(batch.ProducerId);
            if (current?.FindDuplicate(batch.ProducerEpoch, batch.BaseSequence, ProducerState.LastSequenceOf(batch)) is { } original)
            {
                firstRetry = retries == 0 ? original : firstRetry;
                lastRetry = original;
                retries++;
                retriedRecords += batch.RecordCount;
                continue;
            }
            CheckSequence(name, current, batch);
            if (ranges.Count > 1) // a single batch (the usual request) has no later batch to check against it
            {
                pending ??= [];
                pending[batch.ProducerId] = Next(current, batch, baseOffset);
            }
            fresh++;
        }
        if (retries == 0)
        {
            return null;
        }
        if (fresh > 0)
        {
            throw new InvalidRecordException($"{name}: the append mixes {retries} batch(es) already appended (retries of offsets {firstRetry.FirstOffset}..{lastRetry.LastOffset}) with {fresh} new one(s); send retries alone; nothing was appended");
        }
        return new AppendResult(firstRetry.FirstOffset, lastRetry.LastOffset, logAppendTime ? lastRetry.Timestamp : -1, retriedRecords) { IsDuplicate = true };
    }

    /// <summary>Records a batch the log now holds (appended, or found by a recovery scan); never refuses.</summary>
    public void Apply(RecordBatch batch)
    {
        if (batch.ProducerId >= 0)
        {
            _producers[batch.ProducerId] = Next(Get(batch.ProducerId), batch, batch.BaseOffset);
        }
        EndOffset = batch.LastOffset + 1;
    }

    /// <summary>Moves the end past batches that carry no producer state (an empty stretch after a truncation or compaction).</summary>
    public void AdvanceTo(long endOffset) => EndOffset = Math.Max(EndOffset, endOffset);

    /// <summary>Forgets producers whose every batch is below <paramref name="logStartOffset"/> (deleted by retention), as a rebuild from the log would.</summary>
    public void EvictBelow(long logStartOffset)
    {
        foreach (var producer in _producers.Values.Where(p => p.LastOffset < logStartOffset).ToList())
        {
            _producers.Remove(producer.ProducerId);
        }
    }

    private static ProducerState Next(ProducerState? current, RecordBatch batch, long baseOffset)
    {
        var entry = new ProducerBatch(batch.BaseSequence, ProducerState.LastSequenceOf(batch), baseOffset, baseOffset + batch.LastOffsetDelta, batch.MaxTimestamp);
        return current is null ? ProducerState.First(batch.ProducerId, batch.ProducerEpoch, entry) : current.With(batch.ProducerEpoch, entry);
    }

    private static void CheckSequence(string name, ProducerState? current, RecordBatch batch)
    {
        long id = batch.ProducerId;
        short epoch = batch.ProducerEpoch;
        int received = batch.BaseSequence;
        if (epoch < 0 || received < 0)
        {
            throw new InvalidRecordException($"{name}: producer {id} sent epoch {epoch} and base sequence {received}; an idempotent batch needs both ≥ 0; nothing was appended");
        }
        if (current is null)
        {
            return;
        }
        if (epoch < current.Epoch)
        {
            throw new InvalidProducerEpochException($"{name}: producer {id} sent epoch {epoch}, but epoch {current.Epoch} is current (an older instance was fenced); nothing was appended");
        }
        if (epoch > current.Epoch)
        {
            if (received != 0)
            {
                throw new OutOfOrderSequenceException($"{name}: producer {id} starts epoch {epoch} (after {current.Epoch}) at sequence {received}; expected sequence 0, as a new epoch starts over; nothing was appended");
            }
            return;
        }
        int expected = ProducerState.NextSequence(current.LastSequence);
        if (received != expected)
        {
            string problem = received > expected ? "a gap: records in between are missing" : $"an old sequence that is not one of the last {ProducerState.RetainedBatches} batches";
            throw new OutOfOrderSequenceException($"{name}: producer {id} epoch {epoch}: expected sequence {expected}, received {received} ({problem}); nothing was appended");
        }
    }
}
