using Cep.Broker.Protocol.Messages;
using Cep.Storage;

namespace Cep.Broker.Server;

/// <summary>DeleteTopics (v0–3): each named topic is deleted at once (its files are gone when the answer is sent); an unknown name is UNKNOWN_TOPIC_OR_PARTITION and does not stop the others.</summary>
public static class DeleteTopicsHandler
{
    public static void Register(ApiRegistry registry, BrokerContext broker) =>
        registry.Add<DeleteTopicsRequest>((request, _) => new DeleteTopicsResponse
        {
            Responses = request.TopicNames.Select(name => Delete(broker, name)).ToList(),
        });

    private static DeleteTopicsResponse.DeletableTopicResult Delete(BrokerContext broker, string name)
    {
        try
        {
            broker.Store.DeleteTopic(name);
            return new DeleteTopicsResponse.DeletableTopicResult { Name = name };
        }
        catch (StorageException e)
        {
            return new DeleteTopicsResponse.DeletableTopicResult { Name = name, ErrorCode = ErrorCodes.Of(e) };
        }
    }
}
