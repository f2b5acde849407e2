using System.Runtime.CompilerServices;
using Cep.Storage.Records;

namespace Cep.Storage.Log;

/// <summary>
/// Reads a partition's records in offset order from a start offset, batch by batch, checking
/// every batch's CRC. With <c>follow</c> it tails the log: at the end it awaits the next
/// append (no polling). Errors name topic/partition and offset. It reads into one reused
/// buffer, so a yielded record's key and value are valid only until the enumeration moves on;
/// copy what must be kept. Owned by one consumer.
/// </summary>
public sealed class PartitionReader
{
    private readonly PartitionLog _log;
    private readonly byte[] _buffer;

    public PartitionReader(PartitionLog log, long startOffset, int maxBytes = 1024 * 1024)
    {
        _log = log;
        _buffer = new byte[maxBytes];
        Position = startOffset;
    }

    /// <summary>The offset of the next record to read.</summary>
    public long Position { get; private set; }

    /// <summary>
    /// Yields records from <see cref="Position"/> on. Without <paramref name="follow"/> it ends at
    /// the high watermark seen when it reaches the end; with it, it waits for more until cancelled.
    /// </summary>
    public async IAsyncEnumerable<Record> ReadAsync(bool follow, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var fetch = _log.Read(Position, _buffer);
            if (fetch.Records.IsEmpty)
            {
                if (!follow)
                {
                    yield break;
                }
                await _log.WaitForDataAsync(Position, cancellationToken).ConfigureAwait(false);
                continue;
            }
            foreach (var batch in RecordBatch.ReadAll(fetch.Records))
            {
                Validate(batch);
                if (!batch.IsControl)
                {
                    foreach (var record in batch)
                    {
                        if (record.Offset >= Position)
                        {
                            yield return record;
                        }
                    }
                }
                Position = Math.Max(Position, batch.LastOffset + 1);
            }
        }
    }

    private void Validate(RecordBatch batch)
    {
        try
        {
            batch.Validate();
        }
        catch (CorruptRecordException e)
        {
            throw new CorruptRecordException($"{_log.Name} offset {batch.BaseOffset}: {e.Message}", e);
        }
    }
}
