namespace Cep.Broker.Groups;

/// <summary>One protocol (assignor) a member supports, with its opaque metadata (the subscription, for consumers). Immutable.</summary>
public sealed record GroupProtocol(string Name, byte[] Metadata);
