using Cep.Broker.Cluster;
using Cep.Broker.Groups;
using Cep.Broker.Server;
using Cep.Storage.Topics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cep.Broker;

/// <summary>
/// The Kafka-protocol broker on a <see cref="TopicStore"/>: a Kestrel listener whose
/// connections speak the Kafka wire protocol (<see cref="KafkaConnectionHandler"/>), serving
/// the APIs registered in <see cref="KafkaApis"/>. Start it with <see cref="StartAsync"/>, stop
/// it by disposing (open connections are closed). The store stays the caller's.
/// </summary>
public sealed class KafkaBroker : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KafkaBroker(WebApplication app, int port, GroupCoordinator groups)
    {
        _app = app;
        Port = port;
        Groups = groups;
    }

    /// <summary>The port the listener is bound to.</summary>
    public int Port { get; }

    /// <summary>The broker's consumer groups and committed offsets, for in-process use too.</summary>
    public GroupCoordinator Groups { get; }

    /// <summary>Binds the listener (a clear error when the address is taken) and starts serving.</summary>
    /// <param name="cluster">The cluster node this broker serves for (started, not yet attached), or null for a broker on its own.</param>
    public static async Task<KafkaBroker> StartAsync(TopicStore store, BrokerOptions options, ILoggerFactory? logging = null, CancellationToken cancellationToken = default, ClusterNode? cluster = null)
    {
        var context = new BrokerContext(store, options, cluster);
        var groups = new GroupCoordinator(store, options.Groups, offsetsAppend: cluster is null ? null : cluster.AppendOffsetsAsync);
        cluster?.AttachGroups(groups);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(logging ?? NullLoggerFactory.Instance);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(context);
        builder.Services.AddSingleton(KafkaApis.Create(context, groups));
        builder.Services.AddSingleton<RequestDispatcher>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxConcurrentConnections = options.MaxConnections;
            kestrel.Listen(options.Listen, listen => listen.UseConnectionHandler<KafkaConnectionHandler>());
        });
        var app = builder.Build();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            await groups.DisposeAsync().ConfigureAwait(false);
            throw new IOException($"cannot listen for Kafka clients on {options.Listen}: {e.Message}", e);
        }
        string bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        context.Port = new Uri(bound).Port;
        cluster?.Attach(context.Host, context.Port, options.ClusterId);
        return new KafkaBroker(app, context.Port, groups);
    }

    public async ValueTask DisposeAsync()
    {
        // Clients still connected are cut off after a moment rather than waited for (Kestrel's default is 30 s).
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(1));
        await _app.StopAsync(patience.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        await Groups.DisposeAsync().ConfigureAwait(false);
    }
}
