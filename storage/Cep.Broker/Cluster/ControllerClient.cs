using Cep.Broker.Client;
using Cep.Broker.Protocol;

namespace Cep.Broker.Cluster;

/// <summary>
/// A node's line to the active controller: requests go over the Kafka protocol to the Kafka
/// listener of the node the quorum says leads (its address from that node's registration),
/// on one connection that is replaced when the controller moves or the connection breaks.
/// Until the leader has registered itself there is nowhere to send, and a request fails with
/// NOT_CONTROLLER, as it does while no node leads; callers retry.
/// Thread-safety: thread-safe (requests pipeline on the one connection).
/// </summary>
public sealed class ControllerClient(MetadataQuorum quorum, string clientId) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private KafkaConnection? _connection;
    private int _connectedTo = -1;

    public async Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, short version, CancellationToken cancellationToken)
        where TRequest : IKafkaMessage
        where TResponse : IKafkaMessage, new()
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.SendAsync<TRequest, TResponse>(request, version, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            await DropAsync(connection).ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        _connecting.Dispose();
    }

    private async Task<KafkaConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            int? leader = quorum.LeaderId;
            if (leader is null || !quorum.Image.Brokers.TryGetValue(leader.Value, out var broker))
            {
                throw new ControllerException(ErrorCode.NotController, leader is null ? "no active controller now" : $"the active controller, node {leader}, has not registered its address yet");
            }
            if (_connection is not null && _connectedTo == leader)
            {
                return _connection;
            }
            if (_connection is { } old)
            {
                await old.DisposeAsync().ConfigureAwait(false);
            }
            _connection = null;
            _connection = await KafkaConnection.ConnectAsync(broker.Host, broker.Port, clientId, cancellationToken).ConfigureAwait(false);
            _connectedTo = leader.Value;
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    private async Task DropAsync(KafkaConnection broken)
    {
        await _connecting.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection == broken)
            {
                _connection = null;
                _connectedTo = -1;
            }
        }
        finally
        {
            _connecting.Release();
        }
        await broken.DisposeAsync().ConfigureAwait(false);
    }
}
