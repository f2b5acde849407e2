using Cep.Broker.Protocol;

namespace Cep.Broker.Cluster;

/// <summary>The controller refused a request; <see cref="Code"/> is the Kafka error the requester gets, the message says why, naming the broker, topic or partition.</summary>
public sealed class ControllerException(ErrorCode code, string message) : Exception(message)
{
    public ErrorCode Code => code;
}
