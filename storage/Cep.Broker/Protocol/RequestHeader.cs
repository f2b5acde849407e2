namespace Cep.Broker.Protocol;

/// <summary>
/// A request's header: API key and version, correlation id (echoed in the response) and client
/// id. Header v1 (classic requests) is followed by the body; header v2 (flexible requests) adds a
/// tagged-field section, while the client id keeps its int16 length in both. Immutable.
/// </summary>
public sealed record RequestHeader(short ApiKey, short ApiVersion, int CorrelationId, string? ClientId)
{
    /// <summary>Where the request came from (the connection's remote address, as DescribeGroups reports it); not on the wire.</summary>
    public string ClientHost { get; init; } = "";

    /// <summary>Reads the header; <paramref name="isFlexible"/> says whether the API's version is flexible (known only from the key and version).</summary>
    public static RequestHeader Read(ref KafkaReader reader, Func<short, short, bool> isFlexible)
    {
        short apiKey = reader.ReadInt16();
        short apiVersion = reader.ReadInt16();
        int correlationId = reader.ReadInt32();
        string? clientId = reader.ReadNullableString(flexible: false);
        if (isFlexible(apiKey, apiVersion))
        {
            int tags = (int)reader.ReadUVarint();
            for (int i = 0; i < tags; i++)
            {
                reader.ReadUVarint();
                reader.Skip((int)reader.ReadUVarint());
            }
        }
        return new RequestHeader(apiKey, apiVersion, correlationId, clientId);
    }
}
