using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;

namespace Cep.Broker.Server;

/// <summary>InitProducerId for idempotent producers: a new id at epoch 0. Transactions are not supported: a transactional id is refused with INVALID_REQUEST.</summary>
public static class InitProducerIdHandler
{
    public static void Register(ApiRegistry registry, ProducerIdAllocator ids) =>
        registry.Add<InitProducerIdRequest>((request, _) => request.TransactionalId is null
            ? new InitProducerIdResponse { ProducerId = ids.Next(), ProducerEpoch = 0 }
            : new InitProducerIdResponse { ErrorCode = (short)ErrorCode.InvalidRequest, ProducerId = -1, ProducerEpoch = -1 });
}
