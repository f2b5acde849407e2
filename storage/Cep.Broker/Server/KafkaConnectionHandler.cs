using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Threading.Channels;
using Cep.Broker.Protocol;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Cep.Broker.Server;

/// <summary>
/// One client connection: size-prefixed request frames in, responses out in request order.
/// Requests are pipelined: each is dispatched as soon as it is read (so appends keep the order
/// the client sent them in), up to <see cref="BrokerOptions.MaxInFlightPerConnection"/> ahead of
/// the responses. A frame over the size limit, a request that does not decode or a handler
/// failure closes this connection only; the others go on.
/// </summary>
public sealed class KafkaConnectionHandler(RequestDispatcher dispatcher, BrokerOptions options, ILogger<KafkaConnectionHandler> logger) : ConnectionHandler
{
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var responses = Channel.CreateBounded<Task<ReadOnlyMemory<byte>?>>(new BoundedChannelOptions(options.MaxInFlightPerConnection) { SingleReader = true, SingleWriter = true });
        var writing = WriteResponsesAsync(connection, responses.Reader);
        try
        {
            await ReadRequestsAsync(connection, responses.Writer);
        }
        catch (KafkaProtocolException e)
        {
            logger.LogWarning("Closing connection {Connection} from {Remote}: {Message}", connection.ConnectionId, connection.RemoteEndPoint, e.Message);
        }
        catch (Exception e) when (e is ConnectionResetException or OperationCanceledException or IOException)
        {
            // The client went away mid-request: nothing to answer.
        }
        finally
        {
            responses.Writer.TryComplete();
            await writing;
        }
    }

    private async Task ReadRequestsAsync(ConnectionContext connection, ChannelWriter<Task<ReadOnlyMemory<byte>?>> responses)
    {
        var input = connection.Transport.Input;
        string clientHost = connection.RemoteEndPoint is System.Net.IPEndPoint remote ? "/" + remote.Address : "";
        while (true)
        {
            var result = await input.ReadAsync(connection.ConnectionClosed);
            var buffer = result.Buffer;
            try
            {
                while (TryReadFrame(ref buffer, out byte[]? frame))
                {
                    await responses.WriteAsync(dispatcher.DispatchAsync(frame, clientHost), connection.ConnectionClosed);
                }
            }
            finally
            {
                input.AdvanceTo(buffer.Start, buffer.End);
            }
            if (result.IsCompleted || result.IsCanceled)
            {
                return;
            }
        }
    }

    private bool TryReadFrame(ref ReadOnlySequence<byte> buffer, out byte[]? frame)
    {
        frame = null;
        if (buffer.Length < 4)
        {
            return false;
        }
        Span<byte> prefix = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(prefix);
        int size = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (size < 0 || size > options.MaxRequestBytes)
        {
            throw new KafkaProtocolException($"a request of {size} bytes (the limit is {options.MaxRequestBytes})");
        }
        if (buffer.Length < 4 + (long)size)
        {
            return false;
        }
        // A copy: the request outlives the pipe's buffer (its handler may await, and record sets are sliced from it).
        frame = buffer.Slice(4, size).ToArray();
        buffer = buffer.Slice(4 + (long)size);
        return true;
    }

    private async Task WriteResponsesAsync(ConnectionContext connection, ChannelReader<Task<ReadOnlyMemory<byte>?>> responses)
    {
        PipeWriter output = connection.Transport.Output;
        try
        {
            await foreach (var pending in responses.ReadAllAsync())
            {
                if (await pending is { } frame)
                {
                    output.Write(frame.Span);
                }
                if (!responses.TryPeek(out _))
                {
                    await output.FlushAsync();
                }
            }
        }
        catch (KafkaProtocolException e)
        {
            logger.LogWarning("Closing connection {Connection} from {Remote}: {Message}", connection.ConnectionId, connection.RemoteEndPoint, e.Message);
            connection.Abort();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogError(e, "Closing connection {Connection} from {Remote}: a request failed", connection.ConnectionId, connection.RemoteEndPoint);
            connection.Abort();
        }
        finally
        {
            // Whatever is still queued belongs to a closed connection: let it finish unobserved.
            while (responses.TryRead(out var abandoned))
            {
                _ = abandoned.ContinueWith(t => t.Exception, TaskScheduler.Default);
            }
        }
    }
}
