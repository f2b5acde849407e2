using System.Net.Sockets;
using Cep.Broker.Groups;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Broker.Server;
using Cep.Storage.Records;
using Cep.Storage.Topics;
using Confluent.Kafka;
using FsCheck;
using FsCheck.Fluent;

namespace Cep.Broker.Tests;

/// <summary>
/// Malformed input never brings the broker down: random and truncated or corrupted frames get
/// an answer or a KafkaProtocolException (the connection closes) and nothing else, and over
/// real sockets a client sending garbage is cut off while other clients go on.
/// </summary>
public sealed class ProtocolFuzzTests
{
    [Fact]
    public async Task Random_bytes_and_mangled_requests_are_answered_or_refused_never_a_crash()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("t", 2);
        var batch = new RecordBatchBuilder();
        batch.AddWithoutKey(1, [1, 2, 3]);
        await store.GetPartition("t", 0).AppendAsync(batch.Build().ToArray());
        await using var groups = new GroupCoordinator(store);
        var dispatcher = new RequestDispatcher(KafkaApis.Create(new BrokerContext(store, new BrokerOptions()), groups));
        byte[][] valid = [.. ValidFrames(batch)];

        var mangled =
            from which in Gen.Choose(0, valid.Length - 1)
            from cut in Gen.Choose(0, 400)
            from flips in Gen.ListOf(Gen.Zip(Gen.Choose(0, 400), Gen.Choose(0, 255)))
            select Mangle(valid[which], cut, flips);
        var random = Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b));
        Prop.ForAll(Gen.OneOf(mangled, random).ToArbitrary(), frame => Survives(dispatcher, frame))
            .Check(FsCheck.Config.QuickThrowOnFailure.WithMaxTest(3000).WithReplay(new Replay(new Rnd(11, 104729), null)));
        // And every valid request still gets its answer.
        foreach (byte[] frame in valid)
        {
            Assert.NotNull(await dispatcher.DispatchAsync(frame));
        }
    }

    [Fact]
    public async Task A_client_sending_garbage_or_an_oversized_frame_is_cut_off_and_other_clients_go_on()
    {
        await using var fixture = await BrokerFixture.StartAsync(new BrokerOptions { MaxRequestBytes = 1 << 20 });
        fixture.Store.CreateTopic("t", 1);
        using var garbage = await Connect(fixture);
        using var oversized = await Connect(fixture);
        using (var halfway = await Connect(fixture))
        {
            await halfway.GetStream().WriteAsync(new byte[] { 0, 0, 1, 0, 0, 3, 0, 8 }); // 256 bytes announced, 4 sent, then gone
        }
        await garbage.GetStream().WriteAsync(new byte[] { 0, 0, 0, 8, 0x7f, 0x7f, 1, 2, 3, 4, 5, 6 });
        await oversized.GetStream().WriteAsync(new byte[] { 0x10, 0, 0, 0 }); // 256 MiB announced
        Assert.Equal(0, await ReadUntilClosed(garbage));
        Assert.Equal(0, await ReadUntilClosed(oversized));

        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        var delivered = await producer.ProduceAsync("t", new Message<Null, string> { Value = "still here" });
        Assert.Equal(0, delivered.Offset.Value);
    }

    [Fact]
    public async Task Connections_over_the_limit_are_refused_until_others_close()
    {
        await using var fixture = await BrokerFixture.StartAsync(new BrokerOptions { MaxConnections = 3 });
        fixture.Store.CreateTopic("t", 1);
        var idle = new List<TcpClient>();
        for (int i = 0; i < 3; i++)
        {
            idle.Add(await Connect(fixture));
        }
        await Task.Delay(200); // let the broker accept them
        using (var extra = await Connect(fixture))
        {
            Assert.Equal(0, await ReadUntilClosed(extra));
        }
        foreach (var client in idle)
        {
            client.Dispose();
        }
        await Task.Delay(200);
        using var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = fixture.BootstrapServers }).Build();
        Assert.Equal(0, (await producer.ProduceAsync("t", new Message<Null, string> { Value = "after" })).Offset.Value);
    }

    [Fact]
    public async Task An_unsupported_api_versions_version_gets_the_v0_answer_with_the_supported_list_and_other_unknown_requests_close()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        await using var groups = new GroupCoordinator(store);
        var dispatcher = new RequestDispatcher(KafkaApis.Create(new BrokerContext(store, new BrokerOptions()), groups));
        var answer = (await dispatcher.DispatchAsync(Frame(18, 9, new ApiVersionsRequest())))!.Value;
        var reader = new KafkaReader(answer[8..]); // size, correlation id
        var body = new ApiVersionsResponse();
        body.Read(ref reader, 0);
        Assert.Equal((short)Protocol.ErrorCode.UnsupportedVersion, body.ErrorCode);
        Assert.Contains(body.ApiKeys, k => k.ApiKey == 18 && k.MinVersion == 0 && k.MaxVersion == 3);
        Assert.Contains(body.ApiKeys, k => k.ApiKey == 0 && k.MinVersion == 3 && k.MaxVersion == 8);
        // Kafka closes the connection for these: there is no version to answer in.
        Assert.Throws<KafkaProtocolException>(() => { _ = dispatcher.DispatchAsync(Frame(68, 0, new ApiVersionsRequest())); });
        Assert.Throws<KafkaProtocolException>(() => { _ = dispatcher.DispatchAsync(Frame(0, 99, new ApiVersionsRequest())); });
    }

    private static bool Survives(RequestDispatcher dispatcher, byte[] frame)
    {
        try
        {
            var answer = dispatcher.DispatchAsync(frame);
            if (answer.Wait(TimeSpan.FromMilliseconds(200)))
            {
                _ = answer.Result;
            }
            return true;
        }
        catch (KafkaProtocolException)
        {
            return true;
        }
        catch (AggregateException e) when (e.InnerException is KafkaProtocolException)
        {
            return true;
        }
    }

    private static byte[] Mangle(byte[] frame, int cut, List<(int At, int Value)> flips)
    {
        var copy = frame.Take(Math.Min(frame.Length, Math.Max(cut, 8))).ToArray();
        foreach (var (at, value) in flips)
        {
            copy[at % copy.Length] = (byte)value;
        }
        return copy;
    }

    private static IEnumerable<byte[]> ValidFrames(RecordBatchBuilder batch)
    {
        yield return Frame(18, 3, new ApiVersionsRequest { ClientSoftwareName = "fuzz", ClientSoftwareVersion = "1" });
        yield return Frame(3, 8, new MetadataRequest { Topics = [new() { Name = "t" }] });
        yield return Frame(0, 8, new ProduceRequest { Acks = 1, TimeoutMs = 1000, TopicData = [new() { Name = "t", PartitionData = [new() { Index = 1, Records = batch.Build().ToArray() }] }] });
        yield return Frame(1, 11, new FetchRequest { MaxWaitMs = 0, MaxBytes = 1 << 20, Topics = [new() { Topic = "t", Partitions = [new() { Partition = 0, FetchOffset = 0, PartitionMaxBytes = 1 << 20 }] }] });
        yield return Frame(2, 5, new ListOffsetsRequest { Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, Timestamp = -1 }] }] });
        yield return Frame(11, 5, new JoinGroupRequest { GroupId = "g", SessionTimeoutMs = 6000, RebalanceTimeoutMs = 1000, MemberId = "", ProtocolType = "consumer", Protocols = [new() { Name = "range", Metadata = [0, 1] }] });
        yield return Frame(8, 7, new OffsetCommitRequest { GroupId = "g", GenerationId = -1, MemberId = "", Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, CommittedOffset = 1 }] }] });
        yield return Frame(9, 5, new OffsetFetchRequest { GroupId = "g", Topics = null });
        yield return Frame(19, 4, new CreateTopicsRequest { Topics = [new() { Name = "fuzzed", NumPartitions = 1, ReplicationFactor = 1 }] });
    }

    private static byte[] Frame(short apiKey, short version, IKafkaMessage request)
    {
        var writer = new KafkaWriter();
        writer.WriteInt16(apiKey);
        writer.WriteInt16(version);
        writer.WriteInt32(42);
        writer.WriteNullableString("fuzz", flexible: false);
        if (apiKey == 18 && version >= 3)
        {
            writer.WriteUVarint(0); // request header v2
        }
        request.Write(writer, version);
        return writer.Written.ToArray();
    }

    private static async Task<TcpClient> Connect(BrokerFixture fixture)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", fixture.Broker.Port);
        return client;
    }

    /// <summary>Reads until the broker closes the connection; returns the last read's count (0 when closed).</summary>
    private static async Task<int> ReadUntilClosed(TcpClient client)
    {
        var buffer = new byte[4096];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            int read;
            do
            {
                read = await client.GetStream().ReadAsync(buffer, limit.Token);
            }
            while (read > 0);
            return read;
        }
        catch (IOException)
        {
            return 0; // reset by the broker: closed as well
        }
    }
}
