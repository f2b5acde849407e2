using System.Buffers.Binary;

namespace Cep.Storage.Records;

/// <summary>
/// A view over one RecordBatch v2, byte for byte Kafka's format (big-endian):
/// <code>
///  0  int64  baseOffset            | outside the CRC: the log overwrites it on append
///  8  int32  batchLength           | bytes after this field
/// 12  int32  partitionLeaderEpoch  | outside the CRC
/// 16  int8   magic = 2
/// 17  uint32 crc                   | CRC-32C of bytes 21..end
/// 21  int16  attributes            | bits 0-2 codec, 3 log-append time, 4 transactional, 5 control
/// 23  int32  lastOffsetDelta
/// 27  int64  baseTimestamp         | timestamp of the first record
/// 35  int64  maxTimestamp
/// 43  int64  producerId            | -1 when not idempotent
/// 51  int16  producerEpoch
/// 53  int32  baseSequence
/// 57  int32  recordCount
/// 61  records (compressed as a whole when the codec is not none)
/// </code>
/// The view does not copy; it is valid as long as its memory is. Reading header fields
/// never validates; call <see cref="Validate"/> before trusting the records.
/// </summary>
public readonly struct RecordBatch
{
    public const int HeaderSize = 61;

    /// <summary>baseOffset + batchLength: the bytes in front of what batchLength counts.</summary>
    public const int LogOverhead = 12;

    public const byte CurrentMagic = 2;

    internal const int LengthOffset = 8;
    internal const int PartitionLeaderEpochOffset = 12;
    internal const int MagicOffset = 16;
    internal const int CrcOffset = 17;
    internal const int AttributesOffset = 21;
    internal const int LastOffsetDeltaOffset = 23;
    internal const int BaseTimestampOffset = 27;
    internal const int MaxTimestampOffset = 35;
    internal const int ProducerIdOffset = 43;
    internal const int ProducerEpochOffset = 51;
    internal const int BaseSequenceOffset = 53;
    internal const int RecordCountOffset = 57;

    private const int CompressionMask = 0x07;
    private const int TimestampTypeFlag = 0x08;
    private const int TransactionalFlag = 0x10;
    private const int ControlFlag = 0x20;

    public RecordBatch(ReadOnlyMemory<byte> memory)
    {
        if (memory.Length < HeaderSize)
        {
            throw new CorruptRecordException($"a record batch needs at least {HeaderSize} bytes, got {memory.Length}");
        }
        Memory = memory;
    }

    /// <summary>The whole batch, header included.</summary>
    public ReadOnlyMemory<byte> Memory { get; }

    public int SizeInBytes => Memory.Length;

    public long BaseOffset => BinaryPrimitives.ReadInt64BigEndian(Memory.Span);

    public int BatchLength => BinaryPrimitives.ReadInt32BigEndian(Memory.Span[LengthOffset..]);

    public int PartitionLeaderEpoch => BinaryPrimitives.ReadInt32BigEndian(Memory.Span[PartitionLeaderEpochOffset..]);

    public byte Magic => Memory.Span[MagicOffset];

    public uint Crc => BinaryPrimitives.ReadUInt32BigEndian(Memory.Span[CrcOffset..]);

    public short Attributes => BinaryPrimitives.ReadInt16BigEndian(Memory.Span[AttributesOffset..]);

    public CompressionType Compression => (CompressionType)(Attributes & CompressionMask);

    public bool IsLogAppendTime => (Attributes & TimestampTypeFlag) != 0;

    public bool IsTransactional => (Attributes & TransactionalFlag) != 0;

    public bool IsControl => (Attributes & ControlFlag) != 0;

    public int LastOffsetDelta => BinaryPrimitives.ReadInt32BigEndian(Memory.Span[LastOffsetDeltaOffset..]);

    public long LastOffset => BaseOffset + LastOffsetDelta;

    public long BaseTimestamp => BinaryPrimitives.ReadInt64BigEndian(Memory.Span[BaseTimestampOffset..]);

    public long MaxTimestamp => BinaryPrimitives.ReadInt64BigEndian(Memory.Span[MaxTimestampOffset..]);

    public long ProducerId => BinaryPrimitives.ReadInt64BigEndian(Memory.Span[ProducerIdOffset..]);

    public short ProducerEpoch => BinaryPrimitives.ReadInt16BigEndian(Memory.Span[ProducerEpochOffset..]);

    public int BaseSequence => BinaryPrimitives.ReadInt32BigEndian(Memory.Span[BaseSequenceOffset..]);

    public int RecordCount => BinaryPrimitives.ReadInt32BigEndian(Memory.Span[RecordCountOffset..]);

    public uint ComputeCrc() => Crc32C.Compute(Memory.Span[AttributesOffset..]);

    /// <summary>
    /// Checks framing, magic, CRC and the record count, throwing <see cref="CorruptRecordException"/>
    /// that names the batch's base offset. Records themselves are checked as they are decoded.
    /// </summary>
    public void Validate()
    {
        if (BatchLength != Memory.Length - LogOverhead)
        {
            throw Corrupt($"batch length {BatchLength} does not match the {Memory.Length - LogOverhead} bytes present");
        }
        if (Magic != CurrentMagic)
        {
            throw Corrupt($"magic {Magic} is not supported (only RecordBatch v2, magic 2)");
        }
        uint computed = ComputeCrc();
        if (computed != Crc)
        {
            throw Corrupt($"CRC mismatch: stored 0x{Crc:x8}, computed 0x{computed:x8}");
        }
        // Compaction may drop records from a batch but keeps lastOffsetDelta, so only
        // count > delta + 1 is impossible here; producers are held to count = delta + 1 on append.
        if (RecordCount < 0 || LastOffsetDelta < 0 || RecordCount > LastOffsetDelta + 1)
        {
            throw Corrupt($"record count {RecordCount} does not fit last offset delta {LastOffsetDelta}");
        }
        if (Compression > CompressionType.Zstd)
        {
            throw Corrupt($"unknown compression codec {(int)Compression}");
        }
    }

    /// <summary>Decodes the records, decompressing first if needed.</summary>
    public RecordEnumerator GetEnumerator() => new(this);

    /// <summary>
    /// The whole batches in <paramref name="buffer"/>, in order. Stops silently at a trailing
    /// partial batch (a fetch may end mid-batch); does not validate.
    /// </summary>
    public static IEnumerable<RecordBatch> ReadAll(ReadOnlyMemory<byte> buffer)
    {
        int position = 0;
        while (TryReadSize(buffer.Span[position..], out int size) && size >= HeaderSize && size <= buffer.Length - position)
        {
            yield return new RecordBatch(buffer.Slice(position, size));
            position += size;
        }
    }

    /// <summary>Writes a new base offset (outside the CRC, so the CRC stays valid).</summary>
    public static void SetBaseOffset(Span<byte> batch, long baseOffset) =>
        BinaryPrimitives.WriteInt64BigEndian(batch, baseOffset);

    /// <summary>Writes the partition leader epoch (outside the CRC).</summary>
    public static void SetPartitionLeaderEpoch(Span<byte> batch, int epoch) =>
        BinaryPrimitives.WriteInt32BigEndian(batch[PartitionLeaderEpochOffset..], epoch);

    /// <summary>The last offset of the batch whose header starts <paramref name="header"/> (no copy, no validation).</summary>
    public static long ReadLastOffset(ReadOnlySpan<byte> header) =>
        BinaryPrimitives.ReadInt64BigEndian(header) + BinaryPrimitives.ReadInt32BigEndian(header[LastOffsetDeltaOffset..]);

    /// <summary>The max timestamp of the batch whose header starts <paramref name="header"/> (no copy, no validation).</summary>
    public static long ReadMaxTimestamp(ReadOnlySpan<byte> header) =>
        BinaryPrimitives.ReadInt64BigEndian(header[MaxTimestampOffset..]);

    /// <summary>
    /// The header of <paramref name="batch"/> alone, as a valid batch with no records (same
    /// offsets, timestamps and producer fields; uncompressed): what compaction leaves of an
    /// idempotent producer's last batch, so its sequence survives a rebuild from the log, as in Kafka.
    /// </summary>
    internal static byte[] EmptyCopy(RecordBatch batch)
    {
        var bytes = batch.Memory.Span[..HeaderSize].ToArray();
        var span = bytes.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[LengthOffset..], HeaderSize - LogOverhead);
        BinaryPrimitives.WriteInt16BigEndian(span[AttributesOffset..], (short)(batch.Attributes & ~CompressionMask));
        BinaryPrimitives.WriteInt32BigEndian(span[RecordCountOffset..], 0);
        BinaryPrimitives.WriteUInt32BigEndian(span[CrcOffset..], Crc32C.Compute(span[AttributesOffset..]));
        return bytes;
    }

    /// <summary>Marks the batch as log-append time stamped with <paramref name="timestamp"/> and recomputes the CRC.</summary>
    public static void SetLogAppendTime(Span<byte> batch, long timestamp)
    {
        short attributes = BinaryPrimitives.ReadInt16BigEndian(batch[AttributesOffset..]);
        BinaryPrimitives.WriteInt16BigEndian(batch[AttributesOffset..], (short)(attributes | TimestampTypeFlag));
        BinaryPrimitives.WriteInt64BigEndian(batch[MaxTimestampOffset..], timestamp);
        BinaryPrimitives.WriteUInt32BigEndian(batch[CrcOffset..], Crc32C.Compute(batch[AttributesOffset..]));
    }

    /// <summary>
    /// Reads the size of the batch that starts at <paramref name="buffer"/>'s first byte, or
    /// returns false when fewer than <see cref="LogOverhead"/> bytes are present.
    /// </summary>
    public static bool TryReadSize(ReadOnlySpan<byte> buffer, out int size)
    {
        if (buffer.Length < LogOverhead)
        {
            size = 0;
            return false;
        }
        size = BinaryPrimitives.ReadInt32BigEndian(buffer[LengthOffset..]) + LogOverhead;
        return true;
    }

    private CorruptRecordException Corrupt(string problem) =>
        new($"corrupt record batch at base offset {BaseOffset}: {problem}");
}
