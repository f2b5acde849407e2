using Cep.Broker.Protocol;
using Cep.Broker.Protocol.Messages;
using Microsoft.Extensions.Logging;

namespace Cep.Broker.Cluster;

/// <summary>
/// Keeps this broker registered with the active controller: registers (BrokerRegistration),
/// then heartbeats every <see cref="HeartbeatInterval"/> with the epoch it got; when the
/// controller no longer knows that epoch (it fenced and forgot it, or the controller moved and
/// this node's registration is gone) it registers again. Failures (no controller, a broken
/// connection) are retried at the next beat. Thread-safety: <see cref="Epoch"/> is read by anyone.
/// </summary>
public sealed class BrokerLifecycle : IAsyncDisposable
{
    private readonly ControllerClient _controller;
    private readonly NodeIdentity _identity;
    private readonly Func<(string Host, int Port)> _address;
    private readonly string _clusterId;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _epoch = -1;

    public BrokerLifecycle(ControllerClient controller, NodeIdentity identity, string clusterId, Func<(string Host, int Port)> address, ILogger logger)
    {
        _controller = controller;
        _identity = identity;
        _clusterId = clusterId;
        _address = address;
        _logger = logger;
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public static TimeSpan HeartbeatInterval { get; } = TimeSpan.FromMilliseconds(500);

    /// <summary>This broker's registration epoch, or −1 while it is not registered.</summary>
    public long Epoch => Interlocked.Read(ref _epoch);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        string? lastProblem = null;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                if (Epoch < 0)
                {
                    await RegisterAsync(timeout.Token).ConfigureAwait(false);
                }
                else
                {
                    await BeatAsync(timeout.Token).ConfigureAwait(false);
                }
                lastProblem = null;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return; // stopping: a beat cut short is no problem
            }
            catch (Exception e) when (e is ControllerException or IOException or OperationCanceledException)
            {
                if (e.Message != lastProblem)
                {
                    _logger.LogDebug("Broker {Node}: {Problem}; trying again", _identity.NodeId, e.Message);
                    lastProblem = e.Message;
                }
            }
            try
            {
                await Task.Delay(HeartbeatInterval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var (host, port) = _address();
        var response = await _controller.SendAsync<BrokerRegistrationRequest, BrokerRegistrationResponse>(new BrokerRegistrationRequest
        {
            BrokerId = _identity.NodeId,
            ClusterId = _clusterId,
            IncarnationId = _identity.Incarnation,
            Listeners = [new BrokerRegistrationRequest.Listener { Name = "PLAINTEXT", Host = host, Port = (ushort)port }],
        }, 0, cancellationToken).ConfigureAwait(false);
        Check(response.ErrorCode, "registration");
        Interlocked.Exchange(ref _epoch, response.BrokerEpoch);
        _logger.LogInformation("Broker {Node} registered with the controller: epoch {Epoch}", _identity.NodeId, response.BrokerEpoch);
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        var response = await _controller.SendAsync<BrokerHeartbeatRequest, BrokerHeartbeatResponse>(
            new BrokerHeartbeatRequest { BrokerId = _identity.NodeId, BrokerEpoch = Epoch }, 0, cancellationToken).ConfigureAwait(false);
        if (response.ErrorCode == (short)ErrorCode.StaleBrokerEpoch)
        {
            Interlocked.Exchange(ref _epoch, -1);
            return;
        }
        Check(response.ErrorCode, "heartbeat");
    }

    private static void Check(short code, string what)
    {
        if (code != 0)
        {
            throw new ControllerException((ErrorCode)code, $"broker {what} refused with error {(ErrorCode)code}");
        }
    }
}
