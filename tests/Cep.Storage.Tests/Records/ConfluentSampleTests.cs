using Cep.Storage.Log;
using Cep.Storage.Records;

namespace Cep.Storage.Tests.Records;

/// <summary>
/// Batches captured from Confluent.Kafka 2.15.1 (librdkafka) in a Produce v7 request, one per
/// codec; Samples/README.md documents the records. They must decode here and be accepted by
/// the log as they are.
/// </summary>
public sealed class ConfluentSampleTests
{
    public static TheoryData<string, CompressionType> Samples => new()
    {
        { "confluent-none.bin", CompressionType.None },
        { "confluent-gzip.bin", CompressionType.Gzip },
        { "confluent-snappy.bin", CompressionType.Snappy },
        { "confluent-lz4.bin", CompressionType.Lz4 },
        { "confluent-zstd.bin", CompressionType.Zstd },
    };

    private static byte[] Load(string file) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Samples", file));

    [Theory]
    [MemberData(nameof(Samples))]
    public void A_librdkafka_batch_decodes_to_the_documented_records(string file, CompressionType codec)
    {
        var batch = new RecordBatch(Load(file));
        batch.Validate();
        Assert.Equal(codec, batch.Compression);
        Assert.Equal(0, batch.PartitionLeaderEpoch);
        Assert.Equal(4, batch.LastOffsetDelta);
        Assert.Equal(5, batch.RecordCount);
        Assert.Equal(1700000000000L, batch.BaseTimestamp);
        Assert.Equal(1700000004000L, batch.MaxTimestamp);
        Assert.Equal(-1L, batch.ProducerId);
        Assert.False(batch.IsLogAppendTime || batch.IsTransactional || batch.IsControl);

        var records = new List<Cep.Storage.Records.Record>();
        foreach (var record in batch)
        {
            records.Add(record);
        }
        Assert.Equal(5, records.Count);
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(i, records[i].Offset);
            Assert.Equal(1700000000000L + i * 1000, records[i].Timestamp);
            Assert.Equal(i == 2 ? null : $"key-{i}", Batches.Text(records[i].Key));
            Assert.Equal($"value-{i} hello cep hello cep hello cep", Batches.Text(records[i].Value));
        }
        Assert.Equal([("h1", "v1")], records[0].GetHeaders().Select(h => (h.Key, Batches.Text(h.Value))));
        Assert.Empty(records[1].GetHeaders());
        var third = records[3].GetHeaders();
        Assert.Equal(("h1", "v1"), (third[0].Key, Batches.Text(third[0].Value)));
        Assert.Equal("h2", third[1].Key);
        Assert.Null(third[1].Value);
        var empty = Assert.Single(records[4].GetHeaders());
        Assert.Equal("empty", empty.Key);
        Assert.NotNull(empty.Value);
        Assert.Empty(empty.Value);
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task The_log_accepts_a_librdkafka_batch_and_serves_it_back_byte_for_byte(string file, CompressionType codec)
    {
        using var directory = new TempDirectory();
        using var log = PartitionLog.Open(directory.Path, "samples", 0, new LogConfig { FlushPolicy = FlushPolicy.Os });
        await log.AppendAsync(Batches.Values(1, "first"));
        byte[] sample = Load(file);
        var result = await log.AppendAsync(sample.ToArray());
        Assert.Equal((1L, 5L, 5), (result.FirstOffset, result.LastOffset, result.RecordCount));

        var fetched = log.Read(1, 1 << 20).Records.ToArray();
        Assert.Equal(sample[12..], fetched[12..]); // all but base offset and length (length unchanged too)
        Assert.Equal(sample.Length, fetched.Length);
        Assert.Equal(codec, new RecordBatch(fetched).Compression);
        Assert.Equal([1L, 2L, 3L, 4L, 5L], Batches.ReadAll(log, 1).Select(r => r.Offset));
    }
}
