namespace Cep.Broker.Protocol;

/// <summary>A request that cannot be decoded (truncated, a negative length where none may be, a size over the limit): the broker closes that client's connection.</summary>
public sealed class KafkaProtocolException(string message) : Exception(message);
