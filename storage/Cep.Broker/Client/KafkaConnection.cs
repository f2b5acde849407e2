using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Cep.Broker.Protocol;

namespace Cep.Broker.Client;

/// <summary>
/// A client connection speaking the Kafka protocol with the generated messages: requests are
/// framed with a v1 or v2 header (by the API's flexible versions) and may be pipelined; a reader
/// matches responses to requests by correlation id. A broken connection fails every request in
/// flight and every later one with <see cref="IOException"/>. Thread-safe.
/// </summary>
public sealed class KafkaConnection : IAsyncDisposable
{
    private const short ApiVersionsKey = 18;

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly string _clientId;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly ConcurrentDictionary<int, Pending> _pending = new();
    private readonly Task _reading;
    private int _correlation;
    private volatile Exception? _broken;

    private KafkaConnection(TcpClient client, string clientId)
    {
        _client = client;
        _stream = client.GetStream();
        _clientId = clientId;
        _reading = Task.Run(ReadLoopAsync);
    }

    public string Address { get; private init; } = "";

    public static async Task<KafkaConnection> ConnectAsync(string host, int port, string clientId, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        try
        {
            await client.ConnectAsync(host, port, cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            client.Dispose();
            throw new IOException($"cannot reach the Kafka broker at {host}:{port}: {e.Message}", e);
        }
        return new KafkaConnection(client, clientId) { Address = $"{host}:{port}" };
    }

    /// <summary>Sends <paramref name="request"/> in <paramref name="version"/> and returns the decoded response.</summary>
    public async Task<TResponse> SendAsync<TRequest, TResponse>(TRequest request, short version, CancellationToken cancellationToken)
        where TRequest : IKafkaMessage
        where TResponse : IKafkaMessage, new()
    {
        short key = MessageInfo<TRequest>.ApiKey;
        bool flexible = version >= MessageInfo<TRequest>.FlexibleVersion;
        int correlation = Interlocked.Increment(ref _correlation);
        var writer = new KafkaWriter();
        writer.WriteInt32(0);
        writer.WriteInt16(key);
        writer.WriteInt16(version);
        writer.WriteInt32(correlation);
        writer.WriteNullableString(_clientId, flexible: false);
        if (flexible)
        {
            writer.WriteUVarint(0);
        }
        request.Write(writer, version);
        writer.PatchInt32(0, writer.Length - 4);
        var pending = new Pending(flexible && key != ApiVersionsKey);
        _pending[correlation] = pending;
        await _writing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_broken is { } broken)
            {
                throw new IOException($"the connection to {Address} is closed: {broken.Message}", broken);
            }
            await _stream.WriteAsync(writer.Written, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writing.Release();
        }
        var body = await pending.Response.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var reader = new KafkaReader(body);
        var response = new TResponse();
        response.Read(ref reader, version);
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _reading.ConfigureAwait(false);
        _writing.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[4];
        try
        {
            while (true)
            {
                await _stream.ReadExactlyAsync(header).ConfigureAwait(false);
                int size = BinaryPrimitives.ReadInt32BigEndian(header);
                var frame = new byte[size];
                await _stream.ReadExactlyAsync(frame).ConfigureAwait(false);
                int correlation = BinaryPrimitives.ReadInt32BigEndian(frame);
                if (_pending.TryRemove(correlation, out var pending))
                {
                    var reader = new KafkaReader(frame.AsMemory(4));
                    if (pending.FlexibleHeader)
                    {
                        int tags = (int)reader.ReadUVarint();
                        for (int i = 0; i < tags; i++)
                        {
                            reader.ReadUVarint();
                            reader.Skip((int)reader.ReadUVarint());
                        }
                    }
                    pending.Response.TrySetResult(frame.AsMemory(4 + reader.Position));
                }
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or ObjectDisposedException or KafkaProtocolException or OperationCanceledException)
        {
            _broken = e;
            foreach (var (_, pending) in _pending)
            {
                pending.Response.TrySetException(new IOException($"the connection to {Address} closed: {e.Message}", e));
            }
        }
    }

    /// <summary>A request waiting for its response (the body, after the response header).</summary>
    private sealed record Pending(bool FlexibleHeader)
    {
        public TaskCompletionSource<ReadOnlyMemory<byte>> Response { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
