using Cep.Broker.Protocol;

namespace Cep.Broker.Server;

/// <summary>
/// Turns one request frame into its response frame: reads the header, finds the API, lets its
/// handler answer, and writes the response header (v0 for ApiVersions and classic versions,
/// v1 with an empty tagged-field section for flexible ones) and body, size-prefixed. An
/// unsupported ApiVersions version gets a v0 answer with UNSUPPORTED_VERSION and the API list
/// (clients retry with a version from it); any other unknown key or version, or a body that
/// does not decode, throws <see cref="KafkaProtocolException"/> and the connection is closed,
/// as Kafka does. Thread-safe.
/// </summary>
public sealed class RequestDispatcher(ApiRegistry registry)
{
    private const short ApiVersionsKey = 18;

    /// <summary>The response frame for <paramref name="frame"/> (a request without its size prefix, from <paramref name="clientHost"/>); null when the request gets no response.</summary>
    public Task<ReadOnlyMemory<byte>?> DispatchAsync(ReadOnlyMemory<byte> frame, string clientHost = "")
    {
        var reader = new KafkaReader(frame);
        var header = RequestHeader.Read(ref reader, registry.IsFlexible) with { ClientHost = clientHost };
        var api = registry.Find(header.ApiKey)
            ?? throw new KafkaProtocolException($"unknown API key {header.ApiKey} (correlation id {header.CorrelationId})");
        if (header.ApiVersion < api.LowestVersion || header.ApiVersion > api.HighestVersion)
        {
            if (header.ApiKey == ApiVersionsKey)
            {
                return Task.FromResult<ReadOnlyMemory<byte>?>(Frame(header, version: 0, flexible: false, UnsupportedApiVersions()));
            }
            throw new KafkaProtocolException($"API key {header.ApiKey} version {header.ApiVersion} is not supported (supported: {api.LowestVersion}-{api.HighestVersion})");
        }
        return AnswerAsync(header, api, reader);
    }

    private static async Task<ReadOnlyMemory<byte>?> AnswerAsync(RequestHeader header, ApiRegistry.Api api, KafkaReader reader)
    {
        var response = await api.Handle(header, reader).ConfigureAwait(false);
        bool flexibleHeader = header.ApiVersion >= api.FlexibleVersion && header.ApiKey != ApiVersionsKey;
        return response is null ? null : Frame(header, header.ApiVersion, flexibleHeader, response);
    }

    private static ReadOnlyMemory<byte> Frame(RequestHeader header, short version, bool flexible, IKafkaMessage response)
    {
        var writer = new KafkaWriter();
        writer.WriteInt32(0); // the size, patched below
        writer.WriteInt32(header.CorrelationId);
        if (flexible)
        {
            writer.WriteUVarint(0);
        }
        response.Write(writer, version);
        writer.PatchInt32(0, writer.Length - 4);
        return writer.Written;
    }

    private Protocol.Messages.ApiVersionsResponse UnsupportedApiVersions() => new()
    {
        ErrorCode = (short)ErrorCode.UnsupportedVersion,
        ApiKeys = ApiVersionsHandler.Keys(registry),
    };
}
