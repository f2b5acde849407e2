using System.Text;

namespace Cep.Storage.Records;

/// <summary>
/// One decoded record. Key, value and headers are slices of the batch (or of its
/// decompressed records), so decoding allocates nothing per record; copy them if they
/// must outlive the buffer. A null key or value is Kafka's length −1.
/// </summary>
public readonly struct Record
{
    private readonly ReadOnlyMemory<byte> _rawHeaders;

    internal Record(long offset, long timestamp, ReadOnlyMemory<byte>? key, ReadOnlyMemory<byte>? value, ReadOnlyMemory<byte> rawHeaders, int headerCount)
    {
        Offset = offset;
        Timestamp = timestamp;
        Key = key;
        Value = value;
        _rawHeaders = rawHeaders;
        HeaderCount = headerCount;
    }

    public long Offset { get; }

    /// <summary>Milliseconds since the Unix epoch (create time or log-append time, per the batch).</summary>
    public long Timestamp { get; }

    public ReadOnlyMemory<byte>? Key { get; }

    public ReadOnlyMemory<byte>? Value { get; }

    public int HeaderCount { get; }

    /// <summary>Decodes the headers (allocates; the hot path reads only key and value).</summary>
    public RecordHeader[] GetHeaders()
    {
        if (HeaderCount == 0)
        {
            return [];
        }
        var span = _rawHeaders.Span;
        var headers = new RecordHeader[HeaderCount];
        int position = 0;
        for (int i = 0; i < headers.Length; i++)
        {
            int keyLength = Varint.ReadInt(span, ref position);
            if (keyLength < 0 || keyLength > span.Length - position)
            {
                throw new CorruptRecordException($"header key length {keyLength} at offset {Offset} is out of bounds");
            }
            string key = Encoding.UTF8.GetString(span.Slice(position, keyLength));
            position += keyLength;
            int valueLength = Varint.ReadInt(span, ref position);
            byte[]? value = null;
            if (valueLength >= 0)
            {
                if (valueLength > span.Length - position)
                {
                    throw new CorruptRecordException($"header value length {valueLength} at offset {Offset} is out of bounds");
                }
                value = span.Slice(position, valueLength).ToArray();
                position += valueLength;
            }
            headers[i] = new RecordHeader(key, value);
        }
        return headers;
    }
}
