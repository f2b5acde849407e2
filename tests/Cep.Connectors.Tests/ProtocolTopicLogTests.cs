using System.Net;
using System.Text;
using Cep.Broker;
using Cep.Connectors.Kafka;
using Cep.Engine;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.Time;
using Cep.Engine.Windows;
using Cep.Storage.Log;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Connectors.Tests;

/// <summary>
/// <see cref="ProtocolTopicLog"/> against Cep's broker on loopback: verbatim idempotent appends
/// (deduplicated, fenced), cursors over Fetch, topics and offsets as the embedded store has them.
/// </summary>
public sealed class ProtocolTopicLogTests : IAsyncLifetime
{
    private readonly TempDirectory _directory = new();
    private TopicStore _store = null!;
    private KafkaBroker _broker = null!;
    private ProtocolTopicLog _log = null!;

    public async Task InitializeAsync()
    {
        _store = TopicStore.Open(_directory.Combine("data"));
        _broker = await KafkaBroker.StartAsync(_store, new BrokerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0) });
        _log = new ProtocolTopicLog($"127.0.0.1:{_broker.Port}", "protocol-tests");
    }

    public async Task DisposeAsync()
    {
        _log.Dispose();
        await _broker.DisposeAsync();
        _store.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task A_re_appended_idempotent_batch_is_not_duplicated_and_an_older_epoch_is_fenced()
    {
        _store.CreateTopic("out", 1);
        byte[] first = Batch(producerId: 42, epoch: 0, sequence: 0, ("a", 1000), ("b", 1001), ("c", 1002));

        await _log.AppendAsync("out", 0, first.ToArray());
        await _log.AppendAsync("out", 0, first.ToArray()); // a restored task writes the same output again

        Assert.Equal(3, _log.EndOffset("out", 0));
        Assert.Equal(new LoggedProducer(0, 2), _log.Producer("out", 0, 42));
        Assert.Null(_log.Producer("out", 0, 43));

        await _log.AppendAsync("out", 0, Batch(producerId: 42, epoch: 1, sequence: 0, ("d", 1003)));
        Assert.Equal(new LoggedProducer(1, 0), _log.Producer("out", 0, 42));
        var fenced = await Assert.ThrowsAsync<InvalidProducerEpochException>(async () => await _log.AppendAsync("out", 0, Batch(producerId: 42, epoch: 0, sequence: 3, ("late", 1004))));
        Assert.Contains("out/0", fenced.Message);
        var gap = await Assert.ThrowsAsync<OutOfOrderSequenceException>(async () => await _log.AppendAsync("out", 0, Batch(producerId: 42, epoch: 1, sequence: 5, ("gap", 1005))));
        Assert.Contains("out/0", gap.Message);

        Assert.Equal(4, _log.EndOffset("out", 0));
        Assert.Equal(4, _store.GetPartition("out", 0).HighWatermark);
        using var cursor = (IDisposable)_log.OpenCursor("out", 0, 0);
        Assert.Equal(["0 a", "1 b", "2 c", "3 d"], ReadAll((IPartitionCursor)cursor).Select(r => $"{r.Offset} {r.Key}"));
    }

    [Fact]
    public async Task A_cursor_reads_appends_in_order_and_waits_for_the_next_one()
    {
        _store.CreateTopic("events", 2);
        var builder = new RecordBatchBuilder();
        builder.Add(5000, Encoding.UTF8.GetBytes("k0"), Encoding.UTF8.GetBytes("v0"), [new RecordHeader("h", [7])]);
        builder.Add(5001, null, Encoding.UTF8.GetBytes("v1"));
        builder.Add(5002, Encoding.UTF8.GetBytes("k2"), null, [new RecordHeader("x", null), new RecordHeader("y", [1, 2])]);
        await _log.AppendAsync("events", 1, builder.Build());

        var cursor = _log.OpenCursor("events", 1, 0);
        try
        {
            Assert.Equal(("events", 1), (cursor.Topic, cursor.Partition));
            var read = ReadAll(cursor);
            Assert.Equal(
                ["0 5000 k0=v0 [h:07]", "1 5001 (null)=v1 []", "2 5002 k2=(null) [x:(null) y:0102]"],
                read.Select(r => $"{r.Offset} {r.Timestamp} {r.Key ?? "(null)"}={r.Value ?? "(null)"} [{r.Headers}]"));
            Assert.Equal(3, cursor.Position);
            Assert.Equal(0, cursor.Read(_ => { }));

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var waiting = cursor.WaitForDataAsync(timeout.Token);
            await Task.Delay(300);
            Assert.False(waiting.IsCompleted);
            // Appended while the cursor long-polls: the append's connection is not the cursor's.
            var append = _log.AppendAsync("events", 1, Batch(-1, -1, -1, ("k3", 5003))).AsTask();
            await append.WaitAsync(TimeSpan.FromSeconds(5));
            await waiting.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(["3 k3"], ReadAll(cursor).Select(r => $"{r.Offset} {r.Key}"));

            // A cursor opened (or moved) into a batch skips the records before its position.
            cursor.Seek(1);
            Assert.Equal(["1", "2", "3"], ReadAll(cursor).Select(r => $"{r.Offset}"));
            using var second = (IDisposable)_log.OpenCursor("events", 1, 2);
            Assert.Equal(["2", "3"], ReadAll((IPartitionCursor)second).Select(r => $"{r.Offset}"));
            using var empty = (IDisposable)_log.OpenCursor("events", 0, 0);
            Assert.Equal(0, ((IPartitionCursor)empty).Read(_ => { }));
        }
        finally
        {
            ((IDisposable)cursor).Dispose();
        }
    }

    [Fact]
    public async Task EnsureTopic_creates_a_compacted_topic_and_offsets_agree_with_the_embedded_store()
    {
        _log.EnsureTopic("changelog", 2, compacted: true);
        _log.EnsureTopic("changelog", 2, compacted: true); // it exists: nothing to do
        _log.EnsureTopic("plain", 3);

        Assert.Equal(CleanupPolicy.Compact, _store.Describe("changelog").Config.CleanupPolicy);
        Assert.Equal(CleanupPolicy.Delete, _store.Describe("plain").Config.CleanupPolicy);
        Assert.Equal(2, _log.PartitionCount("changelog"));
        Assert.Equal(3, _log.PartitionCount("plain"));

        await _log.AppendAsync("plain", 1, Batch(-1, -1, -1, ("a", 1000), ("b", 2000)));
        await _log.AppendAsync("plain", 1, Batch(-1, -1, -1, ("c", 3000)));
        var embedded = new EmbeddedTopicLog(_store);
        foreach (int partition in new[] { 0, 1 })
        {
            Assert.Equal(embedded.EndOffset("plain", partition), _log.EndOffset("plain", partition));
            foreach (long timestamp in new long[] { -5, 0, 1000, 1500, 2000, 2500, 3000, 9999 })
            {
                Assert.Equal(embedded.OffsetForTimestamp("plain", partition, timestamp), _log.OffsetForTimestamp("plain", partition, timestamp));
            }
        }
        Assert.Equal(3, _log.EndOffset("plain", 1));
        Assert.Equal(2, _log.OffsetForTimestamp("plain", 1, 2500));
        Assert.Equal(3, _log.OffsetForTimestamp("plain", 1, 9999));
    }

    [Fact]
    public async Task Unknown_and_deleted_topics_throw_UnknownTopicException()
    {
        Assert.Contains("nope", Assert.Throws<UnknownTopicException>(() => _log.PartitionCount("nope")).Message);
        Assert.Throws<UnknownTopicException>(() => _log.OpenCursor("nope", 0, 0));
        Assert.Throws<UnknownTopicException>(() => _log.EndOffset("nope", 0));

        _store.CreateTopic("doomed", 1);
        await _log.AppendAsync("doomed", 0, Batch(-1, -1, -1, ("a", 1)));
        Assert.Throws<UnknownTopicException>(() => _log.EndOffset("doomed", 1)); // no such partition
        var cursor = _log.OpenCursor("doomed", 0, 0);
        try
        {
            Assert.Equal(1, cursor.Read(_ => { }));
            _store.DeleteTopic("doomed");
            var deleted = Assert.Throws<UnknownTopicException>(() => cursor.Read(_ => { }));
            Assert.Contains("doomed/0", deleted.Message);
            Assert.Contains("offset 1", deleted.Message);
            await Assert.ThrowsAsync<UnknownTopicException>(() => cursor.WaitForDataAsync(CancellationToken.None));
        }
        finally
        {
            ((IDisposable)cursor).Dispose();
        }
        // The leader was cached for the partition; the broker's answer still says it is gone.
        await Assert.ThrowsAsync<UnknownTopicException>(async () => await _log.AppendAsync("doomed", 0, Batch(-1, -1, -1, ("b", 2))));
        Assert.Throws<UnknownTopicException>(() => _log.PartitionCount("doomed"));
    }

    [Fact]
    public void A_broker_that_is_not_there_gives_an_IOException_naming_its_address()
    {
        using var log = new ProtocolTopicLog("127.0.0.1:1", "protocol-tests");
        var error = Assert.Throws<IOException>(() => log.PartitionCount("any"));
        Assert.Contains("127.0.0.1:1", error.Message);
    }

    [Fact]
    public async Task A_restarted_broker_is_reconnected_to_and_the_append_through_the_broken_connection_is_retried()
    {
        _store.CreateTopic("t", 1);
        await _log.AppendAsync("t", 0, Batch(-1, -1, -1, ("a", 1)));
        int port = _broker.Port;
        await _broker.DisposeAsync();
        _broker = await KafkaBroker.StartAsync(_store, new BrokerOptions { Listen = new IPEndPoint(IPAddress.Loopback, port) });

        // The old connection is broken: the append connects again (as after a failover) and is stored once.
        await _log.AppendAsync("t", 0, Batch(-1, -1, -1, ("b", 2)));
        await _log.AppendAsync("t", 0, Batch(-1, -1, -1, ("c", 3)));
        Assert.Equal(3, _log.EndOffset("t", 0));
    }

    [Fact]
    public async Task A_rekeying_windowed_query_through_the_protocol_writes_what_it_writes_on_the_embedded_log()
    {
        _store.CreateTopic("clicks", 2);
        _store.CreateTopic("embedded-counts", 2);
        _store.CreateTopic("protocol-counts", 2);
        string[] pages = ["home", "cart", "help"];
        for (int partition = 0; partition < 2; partition++)
        {
            var builder = new RecordBatchBuilder();
            for (int i = partition; i < 300; i += 2)
            {
                builder.Add(1_700_000_000_000 + i * 1000, Encoding.UTF8.GetBytes($"user-{i % 7}"), Encoding.UTF8.GetBytes(pages[i % 3]));
            }
            await _store.GetPartition("clicks", partition).AppendAsync(builder.Build().ToArray());
        }

        await QueryRunner.RunAsync("embedded", Counts("embedded-counts"), new EmbeddedTopicLog(_store), new QueryOptions { StopAtEnd = true, StateDirectory = _directory.Combine("embedded-state") });
        await QueryRunner.RunAsync("protocol", Counts("protocol-counts"), _log, new QueryOptions { StopAtEnd = true, StateDirectory = _directory.Combine("protocol-state") });

        var embedded = TopicValues.Of(_store, "embedded-counts");
        Assert.NotEmpty(embedded);
        Assert.Equal(embedded.Order(), TopicValues.Of(_store, "protocol-counts").Order());
        Assert.Equal(2, _store.PartitionCount("protocol-repartition-0")); // created through CreateTopics
        // The engine's batches went through verbatim: the broker knows the engine's idempotent producers.
        var producers = Enumerable.Range(0, 2).SelectMany(p => _store.GetPartition("protocol-counts", p).GetProducerStates()).ToList();
        Assert.NotEmpty(producers);
        Assert.Equal(
            Enumerable.Range(0, 2).SelectMany(p => _store.GetPartition("embedded-counts", p).GetProducerStates()).Select(p => (p.Epoch, p.LastSequence)).Order(),
            producers.Select(p => (p.Epoch, p.LastSequence)).Order());
    }

    private static Action<QueryContext> Counts(string output) => query => query
        .Topic("clicks", Serde.Utf8String, WatermarkStrategy<string>.ForMonotonicTimestamps())
        .RepartitionBy(page => page, Serde.Utf8String, Serde.Utf8String)
        .Window(TimeWindows.Tumbling(TimeSpan.FromMinutes(1)))
        .Count()
        .Select(r => $"{r.Key} {r.Window.Start} {r.Value}")
        .To(output, Serde.Utf8String);

    private static byte[] Batch(long producerId, short epoch, int sequence, params (string Key, long Timestamp)[] records)
    {
        var builder = new RecordBatchBuilder { ProducerId = producerId, ProducerEpoch = epoch, BaseSequence = sequence };
        foreach (var (key, timestamp) in records)
        {
            builder.Add(timestamp, Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"value of {key}"));
        }
        return builder.Build().ToArray();
    }

    /// <summary>Reads until the cursor has nothing more, copying each record out of the cursor's buffer.</summary>
    private static List<(long Offset, long Timestamp, string? Key, string? Value, string Headers)> ReadAll(IPartitionCursor cursor)
    {
        var read = new List<(long, long, string?, string?, string)>();
        while (cursor.Read(r => read.Add((
            r.Offset,
            r.Timestamp,
            r.Key is { } key ? Encoding.UTF8.GetString(key.Span) : null,
            r.Value is { } value ? Encoding.UTF8.GetString(value.Span) : null,
            string.Join(" ", r.GetHeaders().Select(h => $"{h.Key}:{(h.Value is null ? "(null)" : Convert.ToHexString(h.Value))}"))))) > 0)
        {
        }
        return read;
    }
}
