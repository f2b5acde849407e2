using System.Buffers.Binary;
using System.Text;
using Cep.Storage.Records;

namespace Cep.Storage.Tests.Records;

/// <summary>Our batches against the RecordBatch v2 spec, byte by byte.</summary>
public sealed class RecordBatchFormatTests
{
    /// <summary>Bitwise CRC-32C (reflected polynomial 0x82F63B78): the spec's definition, independent of the code under test.</summary>
    private static uint ReferenceCrc32C(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int i = 0; i < 8; i++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78 : crc >> 1;
            }
        }
        return ~crc;
    }

    [Fact]
    public void Crc32C_matches_the_standard_check_value()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        var random = new Random(42);
        var data = new byte[1031];
        random.NextBytes(data);
        Assert.Equal(ReferenceCrc32C(data), Crc32C.Compute(data));
    }

    [Fact]
    public void A_one_record_batch_has_the_spec_layout()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(1000, "k"u8, "v"u8);
        byte[] batch = builder.Build().ToArray();

        byte[] expectedRecords =
        [
            0x10,       // record length 8, zigzag
            0x00,       // attributes
            0x00,       // timestamp delta 0
            0x00,       // offset delta 0
            0x02, 0x6b, // key length 1, "k"
            0x02, 0x76, // value length 1, "v"
            0x00,       // no headers
        ];
        Assert.Equal(61 + expectedRecords.Length, batch.Length);
        var span = batch.AsSpan();
        Assert.Equal(0L, BinaryPrimitives.ReadInt64BigEndian(span[0..]));                    // base offset
        Assert.Equal(batch.Length - 12, BinaryPrimitives.ReadInt32BigEndian(span[8..]));      // batch length
        Assert.Equal(-1, BinaryPrimitives.ReadInt32BigEndian(span[12..]));                   // leader epoch
        Assert.Equal(2, span[16]);                                                            // magic
        Assert.Equal(ReferenceCrc32C(span[21..]), BinaryPrimitives.ReadUInt32BigEndian(span[17..])); // CRC over 21..end
        Assert.Equal(0, BinaryPrimitives.ReadInt16BigEndian(span[21..]));                    // attributes
        Assert.Equal(0, BinaryPrimitives.ReadInt32BigEndian(span[23..]));                    // last offset delta
        Assert.Equal(1000L, BinaryPrimitives.ReadInt64BigEndian(span[27..]));                // base timestamp
        Assert.Equal(1000L, BinaryPrimitives.ReadInt64BigEndian(span[35..]));                // max timestamp
        Assert.Equal(-1L, BinaryPrimitives.ReadInt64BigEndian(span[43..]));                  // producer id
        Assert.Equal(-1, BinaryPrimitives.ReadInt16BigEndian(span[51..]));                   // producer epoch
        Assert.Equal(-1, BinaryPrimitives.ReadInt32BigEndian(span[53..]));                   // base sequence
        Assert.Equal(1, BinaryPrimitives.ReadInt32BigEndian(span[57..]));                    // record count
        Assert.Equal(expectedRecords, batch[61..]);
    }

    [Fact]
    public void The_base_offset_and_epoch_lie_outside_the_crc()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(5, "a"u8, "b"u8);
        byte[] batch = builder.Build().ToArray();
        RecordBatch.SetBaseOffset(batch, 123456);
        RecordBatch.SetPartitionLeaderEpoch(batch, 7);
        var view = new RecordBatch(batch);
        view.Validate();
        Assert.Equal(123456L, view.BaseOffset);
        Assert.Equal(7, view.PartitionLeaderEpoch);
    }

    [Fact]
    public void Records_round_trip_with_null_keys_values_and_headers()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(100, Encoding.UTF8.GetBytes("key"), Encoding.UTF8.GetBytes("value"), [new RecordHeader("trace", [1, 2]), new RecordHeader("none", null)]);
        builder.Add(90, null, Encoding.UTF8.GetBytes("earlier"));
        builder.Add(150, Encoding.UTF8.GetBytes("gone"), null);
        var batch = new RecordBatch(builder.Build().ToArray());
        batch.Validate();
        Assert.Equal(150L, batch.MaxTimestamp);
        Assert.Equal(100L, batch.BaseTimestamp);
        Assert.Equal(2, batch.LastOffsetDelta);

        var records = new List<Cep.Storage.Records.Record>();
        foreach (var record in batch)
        {
            records.Add(record);
        }
        Assert.Equal([0L, 1L, 2L], records.Select(r => r.Offset));
        Assert.Equal([100L, 90L, 150L], records.Select(r => r.Timestamp));
        Assert.Equal(["key", null, "gone"], records.Select(r => Batches.Text(r.Key)));
        Assert.Equal(["value", "earlier", null], records.Select(r => Batches.Text(r.Value)));
        var headers = records[0].GetHeaders();
        Assert.Equal("trace", headers[0].Key);
        Assert.Equal(new byte[] { 1, 2 }, headers[0].Value);
        Assert.Null(headers[1].Value);
        Assert.Empty(records[1].GetHeaders());
    }

    [Fact]
    public void A_flipped_bit_fails_the_crc_naming_the_offset()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(5, "a"u8, "b"u8);
        byte[] batch = builder.Build().ToArray();
        RecordBatch.SetBaseOffset(batch, 42);
        batch[^2] ^= 0x10;
        var error = Assert.Throws<CorruptRecordException>(() => new RecordBatch(batch).Validate());
        Assert.Contains("base offset 42", error.Message);
        Assert.Contains("CRC mismatch", error.Message);
    }

    [Fact]
    public void A_batch_length_that_disagrees_with_the_bytes_is_corrupt()
    {
        var builder = new RecordBatchBuilder();
        builder.Add(5, "a"u8, "b"u8);
        byte[] batch = builder.Build().ToArray();
        var error = Assert.Throws<CorruptRecordException>(() => new RecordBatch(batch[..^1]).Validate());
        Assert.Contains("batch length", error.Message);
    }

    [Theory]
    [InlineData(CompressionType.None)]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public void Every_codec_round_trips(CompressionType codec)
    {
        var builder = new RecordBatchBuilder(codec);
        for (int i = 0; i < 500; i++)
        {
            builder.Add(1000 + i, Encoding.UTF8.GetBytes($"key-{i % 7}"), Encoding.UTF8.GetBytes($"value {i} {new string('x', i % 50)}"));
        }
        var batch = new RecordBatch(builder.Build().ToArray());
        batch.Validate();
        Assert.Equal(codec, batch.Compression);
        int count = 0;
        foreach (var record in batch)
        {
            Assert.Equal(count, record.Offset);
            Assert.Equal($"key-{count % 7}", Batches.Text(record.Key));
            Assert.Equal($"value {count} {new string('x', count % 50)}", Batches.Text(record.Value));
            count++;
        }
        Assert.Equal(500, count);
    }

    [Fact]
    public void Raw_snappy_as_librdkafka_writes_it_decodes_like_xerial_framing()
    {
        byte[] data = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("hello cep ", 100)));
        byte[] raw = Snappier.Snappy.CompressToArray(data);
        Assert.Equal(data, CompressionCodec.Decompress(CompressionType.Snappy, raw));
        byte[] framed = CompressionCodec.Compress(CompressionType.Snappy, data);
        Assert.Equal(0x82, framed[0]);
        Assert.Equal(data, CompressionCodec.Decompress(CompressionType.Snappy, framed));
    }

    [Fact]
    public void Garbage_in_a_compressed_batch_is_a_corrupt_record()
    {
        Assert.Throws<CorruptRecordException>(() => CompressionCodec.Decompress(CompressionType.Gzip, new byte[] { 1, 2, 3, 4, 5 }));
        Assert.Throws<CorruptRecordException>(() => CompressionCodec.Decompress(CompressionType.Zstd, new byte[] { 1, 2, 3, 4, 5 }));
    }
}
