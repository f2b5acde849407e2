using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Cep.Storage;
using Cep.Storage.Log;

namespace Cep.Broker.Server;

/// <summary>
/// DescribeConfigs (v0–2). A topic (resource type 2) answers every <see cref="LogConfig"/>
/// setting under its Kafka name: DEFAULT_CONFIG (and IsDefault, v0) when the value equals the
/// default, DYNAMIC_TOPIC_CONFIG otherwise; nothing is read-only or sensitive and there are no
/// synonyms (there is no broker-level layer to inherit from). ConfigurationKeys narrows the list
/// when it names any (null or empty: all, as Kafka). The broker (type 4) has no settings served
/// here and answers an empty list; any other type is INVALID_REQUEST.
/// </summary>
public static class DescribeConfigsHandler
{
    private const sbyte TopicResource = 2;
    private const sbyte BrokerResource = 4;
    private const sbyte DynamicTopicConfig = 1;
    private const sbyte DefaultConfig = 5;

    private static readonly IReadOnlyDictionary<string, string> Defaults = new LogConfig().ToDictionary();

    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<DescribeConfigsRequest>((request, _) => new DescribeConfigsResponse
        {
            Results = request.Resources.Select(resource => Describe(broker, resource)).ToList(),
        });

    private static DescribeConfigsResponse.DescribeConfigsResult Describe(BrokerContext broker, DescribeConfigsRequest.DescribeConfigsResource resource)
    {
        var result = new DescribeConfigsResponse.DescribeConfigsResult { ResourceType = resource.ResourceType, ResourceName = resource.ResourceName };
        switch (resource.ResourceType)
        {
            case TopicResource:
                try
                {
                    var settings = broker.Store.Describe(resource.ResourceName).Config.ToDictionary();
                    var wanted = resource.ConfigurationKeys is { Count: > 0 } keys ? keys.ToHashSet(StringComparer.Ordinal) : null;
                    result.Configs = settings
                        .Where(kv => wanted is null || wanted.Contains(kv.Key))
                        .Select(kv => Entry(kv.Key, kv.Value))
                        .ToList();
                }
                catch (StorageException e)
                {
                    result.ErrorCode = ErrorCodes.Of(e);
                    result.ErrorMessage = e.Message;
                }
                break;
            case BrokerResource:
                break;
            default:
                result.ErrorCode = (short)ErrorCode.InvalidRequest;
                result.ErrorMessage = $"resource type {resource.ResourceType} is not supported; use 2 (topic) or 4 (broker)";
                break;
        }
        return result;
    }

    private static DescribeConfigsResponse.DescribeConfigsResourceResult Entry(string name, string value)
    {
        bool isDefault = Defaults.TryGetValue(name, out string? fallback) && fallback == value;
        return new DescribeConfigsResponse.DescribeConfigsResourceResult
        {
            Name = name,
            Value = value,
            ReadOnly = false,
            IsDefault = isDefault,
            ConfigSource = isDefault ? DefaultConfig : DynamicTopicConfig,
            IsSensitive = false,
        };
    }
}
