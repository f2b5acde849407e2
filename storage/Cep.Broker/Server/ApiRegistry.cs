using Cep.Broker.Protocol;

namespace Cep.Broker.Server;

/// <summary>
/// The APIs the broker serves, each with its version range, first flexible version, and the
/// handler that decodes a request body and answers it. ApiVersions is built from this table, so
/// the broker advertises exactly what it can decode. Filled at start, then read-only.
/// </summary>
public sealed class ApiRegistry
{
    private readonly SortedDictionary<short, Api> _apis = [];

    /// <summary>One served API. <see cref="Handle"/> reads the body with its own copy of the reader and answers (null: no response, as for acks=0).</summary>
    public sealed record Api(short Key, short LowestVersion, short HighestVersion, short FlexibleVersion, Func<RequestHeader, KafkaReader, Task<IKafkaMessage?>> Handle);

    public IEnumerable<Api> All => _apis.Values;

    public Api? Find(short key) => _apis.GetValueOrDefault(key);

    /// <summary>True when <paramref name="version"/> of <paramref name="key"/> uses the flexible encoding (unknown keys: false).</summary>
    public bool IsFlexible(short key, short version) => _apis.TryGetValue(key, out var api) && version >= api.FlexibleVersion;

    /// <summary>Serves <typeparamref name="TRequest"/> (its key and versions from the generated constants) with <paramref name="handle"/>.</summary>
    public void Add<TRequest>(Func<TRequest, RequestHeader, Task<IKafkaMessage?>> handle)
        where TRequest : IKafkaMessage, new()
    {
        _apis[MessageInfo<TRequest>.ApiKey] = new Api(
            MessageInfo<TRequest>.ApiKey,
            MessageInfo<TRequest>.LowestVersion,
            MessageInfo<TRequest>.HighestVersion,
            MessageInfo<TRequest>.FlexibleVersion,
            (header, reader) =>
            {
                var request = new TRequest();
                request.Read(ref reader, header.ApiVersion);
                return handle(request, header);
            });
    }

    /// <summary>As <see cref="Add{TRequest}(Func{TRequest, RequestHeader, Task{IKafkaMessage}})"/> for handlers that answer at once.</summary>
    public void Add<TRequest>(Func<TRequest, RequestHeader, IKafkaMessage> handle)
        where TRequest : IKafkaMessage, new() =>
        Add<TRequest>((request, header) => Task.FromResult<IKafkaMessage?>(handle(request, header)));
}
