using Cep.Broker.Client;
using Cep.Broker.Protocol;

namespace Cep.Connectors.Kafka;

/// <summary>
/// A lazily opened <see cref="KafkaConnection"/> to one broker address that reopens itself:
/// a call that finds the connection broken (or gets no answer within its timeout) drops it and
/// surfaces the <see cref="IOException"/>; the next call connects again. Invariant: at most
/// one open connection per channel; a dropped one is disposed. Thread-safe (the connection is
/// pipelined, so concurrent calls share it).
/// </summary>
internal sealed class BrokerChannel(string host, int port, string clientId) : IDisposable
{
    /// <summary>How long a request (or connecting) may take before the broker counts as dead.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private KafkaConnection? _connection;
    private bool _disposed;

    public string Host => host;

    public int Port => port;

    public string Address => $"{host}:{port}";

    /// <summary>
    /// Sends <paramref name="request"/> and waits for the answer up to <paramref name="wait"/>
    /// beyond <see cref="Timeout"/> (a long-poll Fetch is answered only after its wait).
    /// Cancelling <paramref name="cancellationToken"/> abandons the request but keeps the
    /// connection: the late answer is matched by correlation id and dropped.
    /// </summary>
    public async Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, short version, CancellationToken cancellationToken, TimeSpan wait = default)
        where TRequest : IKafkaMessage
        where TResponse : IKafkaMessage, new()
    {
        var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout + wait);
        try
        {
            return await connection.SendAsync<TRequest, TResponse>(request, version, deadline.Token).ConfigureAwait(false);
        }
        catch (IOException)
        {
            await DropAsync(connection).ConfigureAwait(false);
            throw;
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // The answer may still come, after later requests' answers were due: start afresh.
            await DropAsync(connection).ConfigureAwait(false);
            throw new IOException($"the Kafka broker at {Address} did not answer within {(Timeout + wait).TotalSeconds:0.#} s", e);
        }
    }

    /// <summary>Synchronous <see cref="SendAsync{TRequest, TResponse}"/> for the synchronous <c>ITopicLog</c> methods.</summary>
    public TResponse Send<TRequest, TResponse>(TRequest request, short version)
        where TRequest : IKafkaMessage
        where TResponse : IKafkaMessage, new() =>
        SendAsync<TRequest, TResponse>(request, version, CancellationToken.None).GetAwaiter().GetResult();

    public void Dispose()
    {
        KafkaConnection? connection;
        _connecting.Wait();
        try
        {
            _disposed = true;
            connection = Interlocked.Exchange(ref _connection, null);
        }
        finally
        {
            _connecting.Release();
        }
        connection?.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private async Task<KafkaConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { } open)
        {
            return open;
        }
        await _connecting.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_connection is { } raced)
            {
                return raced;
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(Timeout);
            try
            {
                var connection = await KafkaConnection.ConnectAsync(host, port, clientId, deadline.Token).ConfigureAwait(false);
                Volatile.Write(ref _connection, connection);
                return connection;
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"cannot reach the Kafka broker at {Address} within {Timeout.TotalSeconds:0} s", e);
            }
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <summary>Forgets <paramref name="connection"/> unless another call already replaced it.</summary>
    private async Task DropAsync(KafkaConnection connection)
    {
        if (Interlocked.CompareExchange(ref _connection, null, connection) == connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
