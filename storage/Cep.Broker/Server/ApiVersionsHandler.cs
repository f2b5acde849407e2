using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Server;

/// <summary>ApiVersions: every API the registry serves with its version range (throttle 0: kafkajs would otherwise throttle itself).</summary>
public static class ApiVersionsHandler
{
    public static void Register(ApiRegistry registry) =>
        registry.Add<ApiVersionsRequest>((_, _) => new ApiVersionsResponse { ApiKeys = Keys(registry) });

    public static List<ApiVersionsResponse.ApiVersion> Keys(ApiRegistry registry) =>
        registry.All.Select(api => new ApiVersionsResponse.ApiVersion { ApiKey = api.Key, MinVersion = api.LowestVersion, MaxVersion = api.HighestVersion }).ToList();
}
