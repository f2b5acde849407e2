using System.Buffers.Binary;
using System.Text;

namespace Cep.Storage.Records;

/// <summary>
/// Encodes records into one RecordBatch v2. Reusable: <see cref="Build"/> returns the batch
/// and <see cref="Reset"/> starts the next one in the same buffer, so a producer encodes
/// without allocating per record. Offsets are relative (base offset 0); the log assigns the
/// real ones on append. Owned by one thread.
/// </summary>
public sealed class RecordBatchBuilder
{
    private byte[] _buffer;
    private int _position;
    private int _count;
    private long _baseTimestamp;
    private long _maxTimestamp;
    private int _lastOffsetDelta;

    public RecordBatchBuilder(CompressionType compression = CompressionType.None, int initialCapacity = 16 * 1024)
    {
        Compression = compression;
        _buffer = new byte[Math.Max(initialCapacity, RecordBatch.HeaderSize + 64)];
        Reset();
    }

    public CompressionType Compression { get; set; }

    public long ProducerId { get; set; } = -1;

    public short ProducerEpoch { get; set; } = -1;

    public int BaseSequence { get; set; } = -1;

    public int Count => _count;

    /// <summary>Bytes encoded so far, header included, before compression.</summary>
    public int EstimatedSize => _position;

    public void Reset()
    {
        _position = RecordBatch.HeaderSize;
        _count = 0;
        _baseTimestamp = 0;
        _maxTimestamp = long.MinValue;
        _lastOffsetDelta = -1;
    }

    public void Add(long timestamp, byte[]? key, byte[]? value, IReadOnlyList<RecordHeader>? headers = null) =>
        AddCore(_lastOffsetDelta + 1, timestamp, key, key is null, value, value is null, headers);

    /// <summary>Adds a record with a non-null key and value (the hot path).</summary>
    public void Add(long timestamp, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, IReadOnlyList<RecordHeader>? headers = null) =>
        AddCore(_lastOffsetDelta + 1, timestamp, key, false, value, false, headers);

    /// <summary>Adds a record with a null key.</summary>
    public void AddWithoutKey(long timestamp, ReadOnlySpan<byte> value, IReadOnlyList<RecordHeader>? headers = null) =>
        AddCore(_lastOffsetDelta + 1, timestamp, default, true, value, false, headers);

    /// <summary>
    /// Re-encodes a record keeping its offset relative to <paramref name="baseOffset"/> (gaps
    /// allowed): how compaction rewrites a batch without renumbering it.
    /// </summary>
    internal void AddAt(long baseOffset, Record record)
    {
        int offsetDelta = checked((int)(record.Offset - baseOffset));
        if (offsetDelta <= _lastOffsetDelta)
        {
            throw new ArgumentException($"offset {record.Offset} is not after the previous record", nameof(record));
        }
        AddCore(offsetDelta, record.Timestamp, record.Key is { } k ? k.Span : default, record.Key is null,
            record.Value is { } v ? v.Span : default, record.Value is null, record.GetHeaders());
    }

    /// <summary>Keeps a batch's original last offset delta when trailing records were removed (compaction).</summary>
    internal void ExtendLastOffsetDelta(int lastOffsetDelta) =>
        _lastOffsetDelta = Math.Max(_lastOffsetDelta, lastOffsetDelta);

    /// <summary>
    /// Finishes the batch: fills the header, compresses the records if asked, computes the
    /// CRC. The returned memory is the builder's own buffer when uncompressed, valid until the
    /// next <see cref="Reset"/>; the log may overwrite its base offset and leader epoch.
    /// </summary>
    public Memory<byte> Build()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("a record batch needs at least one record");
        }
        Memory<byte> batch;
        if (Compression == CompressionType.None)
        {
            batch = _buffer.AsMemory(0, _position);
        }
        else
        {
            byte[] compressed = CompressionCodec.Compress(Compression, _buffer.AsSpan(RecordBatch.HeaderSize, _position - RecordBatch.HeaderSize));
            byte[] whole = new byte[RecordBatch.HeaderSize + compressed.Length];
            compressed.CopyTo(whole, RecordBatch.HeaderSize);
            batch = whole;
        }
        var span = batch.Span;
        BinaryPrimitives.WriteInt64BigEndian(span, 0);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatch.LengthOffset..], batch.Length - RecordBatch.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatch.PartitionLeaderEpochOffset..], -1);
        span[RecordBatch.MagicOffset] = RecordBatch.CurrentMagic;
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatch.AttributesOffset..], (short)Compression);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatch.LastOffsetDeltaOffset..], _lastOffsetDelta);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatch.BaseTimestampOffset..], _baseTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatch.MaxTimestampOffset..], _maxTimestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatch.ProducerIdOffset..], ProducerId);
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatch.ProducerEpochOffset..], ProducerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatch.BaseSequenceOffset..], BaseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatch.RecordCountOffset..], _count);
        BinaryPrimitives.WriteUInt32BigEndian(span[RecordBatch.CrcOffset..], Crc32C.Compute(span[RecordBatch.AttributesOffset..]));
        return batch;
    }

    private void AddCore(int offsetDelta, long timestamp, ReadOnlySpan<byte> key, bool keyIsNull, ReadOnlySpan<byte> value, bool valueIsNull, IReadOnlyList<RecordHeader>? headers)
    {
        if (_count == 0)
        {
            _baseTimestamp = timestamp;
        }
        long timestampDelta = timestamp - _baseTimestamp;
        int headerCount = headers?.Count ?? 0;

        int bodySize = 1 + Varint.SizeOfLong(timestampDelta) + Varint.SizeOfInt(offsetDelta)
            + SizeOfField(key.Length, keyIsNull) + SizeOfField(value.Length, valueIsNull)
            + Varint.SizeOfInt(headerCount);
        for (int i = 0; i < headerCount; i++)
        {
            var header = headers![i];
            bodySize += SizeOfField(Encoding.UTF8.GetByteCount(header.Key), false)
                + SizeOfField(header.Value?.Length ?? 0, header.Value is null);
        }
        EnsureCapacity(Varint.SizeOfInt(bodySize) + bodySize);

        var span = _buffer.AsSpan();
        int p = Varint.WriteInt(span, _position, bodySize);
        span[p++] = 0; // record attributes: unused in v2
        p = Varint.WriteLong(span, p, timestampDelta);
        p = Varint.WriteInt(span, p, offsetDelta);
        p = WriteField(span, p, key, keyIsNull);
        p = WriteField(span, p, value, valueIsNull);
        p = Varint.WriteInt(span, p, headerCount);
        for (int i = 0; i < headerCount; i++)
        {
            var header = headers![i];
            p = WriteField(span, p, Encoding.UTF8.GetBytes(header.Key), false);
            p = WriteField(span, p, header.Value, header.Value is null);
        }
        _position = p;
        _count++;
        _lastOffsetDelta = offsetDelta;
        if (timestamp > _maxTimestamp)
        {
            _maxTimestamp = timestamp;
        }
    }

    private static int SizeOfField(int length, bool isNull) =>
        isNull ? Varint.SizeOfInt(-1) : Varint.SizeOfInt(length) + length;

    private static int WriteField(Span<byte> span, int position, ReadOnlySpan<byte> field, bool isNull)
    {
        if (isNull)
        {
            return Varint.WriteInt(span, position, -1);
        }
        position = Varint.WriteInt(span, position, field.Length);
        field.CopyTo(span[position..]);
        return position + field.Length;
    }

    private void EnsureCapacity(int extra)
    {
        if (_position + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _position + extra));
        }
    }
}
