namespace Cep.Storage.Records;

/// <summary>
/// Decodes the records of one batch in order. A struct enumerator, so <c>foreach</c> over a
/// batch allocates nothing for uncompressed batches (compressed ones allocate one buffer for
/// the decompressed records). Owned by one thread.
/// </summary>
public struct RecordEnumerator
{
    private readonly long _baseOffset;
    private readonly long _baseTimestamp;
    private readonly long _logAppendTime;
    private readonly int _count;
    private readonly ReadOnlyMemory<byte> _records;
    private int _position;
    private int _index;

    internal RecordEnumerator(RecordBatch batch)
    {
        _baseOffset = batch.BaseOffset;
        _baseTimestamp = batch.BaseTimestamp;
        _logAppendTime = batch.IsLogAppendTime ? batch.MaxTimestamp : -1;
        _count = batch.RecordCount;
        var raw = batch.Memory[RecordBatch.HeaderSize..];
        _records = batch.Compression == CompressionType.None ? raw : CompressionCodec.Decompress(batch.Compression, raw);
        _position = 0;
        _index = 0;
        Current = default;
    }

    public Record Current { get; private set; }

    public bool MoveNext()
    {
        if (_index >= _count)
        {
            return false;
        }
        var span = _records.Span;
        int length = Varint.ReadInt(span, ref _position);
        if (length <= 0 || length > span.Length - _position)
        {
            throw Corrupt($"record length {length} runs past the end of the batch");
        }
        int start = _position;
        int end = start + length;
        var body = span[..end];
        int position = start + 1; // attributes: unused in v2
        long timestampDelta = Varint.ReadLong(body, ref position);
        int offsetDelta = Varint.ReadInt(body, ref position);
        var key = ReadBytes(body, ref position);
        var value = ReadBytes(body, ref position);
        int headerCount = Varint.ReadInt(body, ref position);
        if (headerCount < 0)
        {
            throw Corrupt($"negative header count {headerCount}");
        }
        long offset = _baseOffset + offsetDelta;
        long timestamp = _logAppendTime >= 0 ? _logAppendTime : _baseTimestamp + timestampDelta;
        Current = new Record(offset, timestamp, key, value, _records[position..end], headerCount);
        _position = end;
        _index++;
        return true;
    }

    private ReadOnlyMemory<byte>? ReadBytes(ReadOnlySpan<byte> body, ref int position)
    {
        int length = Varint.ReadInt(body, ref position);
        if (length < 0)
        {
            return null;
        }
        if (length > body.Length - position)
        {
            throw Corrupt($"field length {length} runs past the end of the record");
        }
        var slice = _records.Slice(position, length);
        position += length;
        return slice;
    }

    private readonly CorruptRecordException Corrupt(string problem) =>
        new($"corrupt record {_index} in batch at base offset {_baseOffset}: {problem}");
}
