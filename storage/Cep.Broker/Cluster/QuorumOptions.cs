using System.Net;

namespace Cep.Broker.Cluster;

/// <summary>Where a controller keeps its share of the metadata quorum and whom it votes with.</summary>
public sealed record QuorumOptions
{
    /// <summary>This controller's node id; it must be one of <see cref="Voters"/>.</summary>
    public required int NodeId { get; init; }

    /// <summary>Every controller of the quorum (including this one) by node id, at its Raft address. The same on every controller.</summary>
    public required IReadOnlyDictionary<int, IPEndPoint> Voters { get; init; }

    /// <summary>The Raft log and snapshots live here (<c>&lt;data&gt;/metadata</c>).</summary>
    public required string Directory { get; init; }

    /// <summary>A follower that hears no leader for a random time in [lower, 2 × lower] stands for election.</summary>
    public TimeSpan ElectionTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A snapshot of the image is written every this many applied entries, and the log before it can go.</summary>
    public int SnapshotInterval { get; init; } = 1000;

    /// <summary>Parses <c>1@127.0.0.1:9093,2@127.0.0.1:9094</c> (Kafka's controller.quorum.voters form).</summary>
    /// <exception cref="FormatException">An entry is not <c>id@host:port</c>, or an id appears twice; the message names it.</exception>
    public static IReadOnlyDictionary<int, IPEndPoint> ParseVoters(string text)
    {
        var voters = new SortedDictionary<int, IPEndPoint>();
        foreach (string entry in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int at = entry.IndexOf('@');
            if (at <= 0 || !int.TryParse(entry[..at], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id)
                || !IPEndPoint.TryParse(entry[(at + 1)..], out var endpoint) || endpoint.Port == 0)
            {
                throw new FormatException($"controller '{entry}': expected id@host:port with an IP address, e.g. 1@127.0.0.1:9093");
            }
            if (!voters.TryAdd(id, endpoint))
            {
                throw new FormatException($"controller id {id} appears twice");
            }
        }
        return voters.Count > 0 ? voters : throw new FormatException("no controllers given");
    }
}
