using Cep.Broker.Codegen;
using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Tests;

/// <summary>The generated codec: up to date with its schemas, byte-exact against the protocol's layouts, round-tripping in every version.</summary>
public sealed class ProtocolCodecTests
{
    private static string ProtocolDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (!File.Exists(Path.Combine(directory!.FullName, "Cep.sln")))
            {
                directory = directory.Parent;
            }
            return Path.Combine(directory.FullName, "storage", "Cep.Broker", "Protocol");
        }
    }

    [Fact]
    public void The_committed_message_classes_are_what_the_schemas_generate()
    {
        var generated = MessageFiles.Generate(ProtocolDirectory);
        var committed = Directory.GetFiles(Path.Combine(ProtocolDirectory, "Messages"), "*.g.cs").ToDictionary(f => Path.GetFileName(f), File.ReadAllText);
        Assert.Equal(generated.Keys.Order(StringComparer.Ordinal), committed.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, code) in generated)
        {
            Assert.True(committed[name] == code, $"{name} is stale: run `dotnet run --project storage/Cep.Broker.Codegen -c Release`");
        }
    }

    [Fact]
    public void A_classic_metadata_response_has_the_documented_layout()
    {
        var response = new MetadataResponse
        {
            Brokers = [new() { NodeId = 0, Host = "h", Port = 9092 }],
            ClusterId = "c",
            ControllerId = 0,
            Topics = [new() { Name = "t", Partitions = [new() { PartitionIndex = 0, LeaderId = 0, LeaderEpoch = 0, ReplicaNodes = [0], IsrNodes = [0] }] }],
        };
        var writer = new KafkaWriter();
        response.Write(writer, 1);
        // v1: brokers [node int32, host string, port int32, rack nullable string], controller int32,
        // topics [error int16, name string, internal bool, partitions [error, index, leader, replicas [], isr []]].
        byte[] expected =
        [
            0, 0, 0, 1, 0, 0, 0, 0, 0, 1, (byte)'h', 0, 0, 0x23, 0x84, 0xFF, 0xFF,
            0, 0, 0, 0,
            0, 0, 0, 1, 0, 0, 0, 1, (byte)'t', 0,
            0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0,
        ];
        Assert.Equal(expected, writer.Written.ToArray());
    }

    [Fact]
    public void A_flexible_api_versions_response_uses_compact_arrays_and_tagged_fields()
    {
        var response = new ApiVersionsResponse { ApiKeys = [new() { ApiKey = 18, MinVersion = 0, MaxVersion = 3 }], FinalizedFeaturesEpoch = 7 };
        var writer = new KafkaWriter();
        response.Write(writer, 3);
        // error int16, compact array (n+1), each key's three int16 and an empty tag section, throttle int32,
        // then the message's tags: one (FinalizedFeaturesEpoch, tag 1, 8 bytes).
        byte[] expected = [0, 0, 2, 0, 18, 0, 0, 0, 3, 0, 0, 0, 0, 0, 1, 1, 8, 0, 0, 0, 0, 0, 0, 0, 7];
        Assert.Equal(expected, writer.Written.ToArray());
        var reader = new KafkaReader(expected);
        var read = new ApiVersionsResponse();
        read.Read(ref reader, 3);
        Assert.Equal((18, 0, 3, 7L), (read.ApiKeys[0].ApiKey, read.ApiKeys[0].MinVersion, read.ApiKeys[0].MaxVersion, read.FinalizedFeaturesEpoch));
        Assert.Equal(0, reader.Remaining);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    public void Join_group_requests_round_trip_in_every_version(short version)
    {
        var request = new JoinGroupRequest
        {
            GroupId = "g",
            SessionTimeoutMs = 6000,
            RebalanceTimeoutMs = version >= 1 ? 30000 : -1,
            MemberId = "m",
            GroupInstanceId = version >= 5 ? "static" : null,
            ProtocolType = "consumer",
            Protocols = [new() { Name = "range", Metadata = [1, 2] }, new() { Name = "roundrobin", Metadata = [] }],
        };
        var writer = new KafkaWriter();
        request.Write(writer, version);
        var reader = new KafkaReader(writer.Written);
        var read = new JoinGroupRequest();
        read.Read(ref reader, version);
        Assert.Equal(0, reader.Remaining);
        Assert.Equal(
            (request.GroupId, request.SessionTimeoutMs, request.RebalanceTimeoutMs, request.MemberId, request.GroupInstanceId, request.ProtocolType),
            (read.GroupId, read.SessionTimeoutMs, read.RebalanceTimeoutMs, read.MemberId, read.GroupInstanceId, read.ProtocolType));
        Assert.Equal(request.Protocols.Select(p => (p.Name, Convert.ToHexString(p.Metadata))), read.Protocols.Select(p => (p.Name, Convert.ToHexString(p.Metadata))));
    }
}
