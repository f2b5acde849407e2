using System.Globalization;

namespace Cep.Storage.Log;

/// <summary>
/// Per-topic log settings under Kafka's config names. Immutable; <see cref="With"/> gives a
/// changed copy. Unknown keys and bad values throw <see cref="Topics.InvalidConfigException"/>
/// naming the key, the value and what is accepted.
/// </summary>
public sealed record LogConfig
{
    public const long Forever = -1;

    /// <summary>Delete segments whose newest record is older than this; −1 keeps them forever (our default).</summary>
    public long RetentionMs { get; init; } = Forever;

    /// <summary>Delete the oldest segments while the partition is larger than this; −1 means no limit.</summary>
    public long RetentionBytes { get; init; } = Forever;

    public int SegmentBytes { get; init; } = 1024 * 1024 * 1024;

    public long SegmentMs { get; init; } = 7L * 24 * 3600 * 1000;

    public CleanupPolicy CleanupPolicy { get; init; } = CleanupPolicy.Delete;

    public FlushPolicy FlushPolicy { get; init; } = FlushPolicy.Group;

    public long FlushMs { get; init; } = 1000;

    public int MaxMessageBytes { get; init; } = 1024 * 1024 + 12;

    public long DeleteRetentionMs { get; init; } = 24L * 3600 * 1000;

    public int IndexIntervalBytes { get; init; } = 4096;

    /// <summary>LogAppendTime: the log stamps each batch with the append time instead of trusting the producer.</summary>
    public bool LogAppendTime { get; init; }

    /// <summary>A replicated partition takes an acks=all produce only while at least this many replicas are in sync (NOT_ENOUGH_REPLICAS otherwise).</summary>
    public int MinInsyncReplicas { get; init; } = 1;

    /// <summary>A replicated partition whose in-sync replicas are all gone may be led by an out-of-date replica (records it lacks are lost); off by default, as in Kafka.</summary>
    public bool UncleanLeaderElection { get; init; }

    public static IReadOnlyList<string> Keys { get; } =
    [
        "retention.ms", "retention.bytes", "segment.bytes", "segment.ms", "cleanup.policy", "flush.policy",
        "flush.ms", "max.message.bytes", "delete.retention.ms", "index.interval.bytes", "message.timestamp.type",
        "min.insync.replicas", "unclean.leader.election.enable",
    ];

    /// <summary>A copy with <paramref name="settings"/> applied on top of this config.</summary>
    public LogConfig With(IEnumerable<KeyValuePair<string, string>> settings)
    {
        var config = this;
        foreach (var (key, value) in settings)
        {
            config = config.With(key, value);
        }
        return config;
    }

    public LogConfig With(string key, string value) => key switch
    {
        "retention.ms" => this with { RetentionMs = ParseLong(key, value, min: -1) },
        "retention.bytes" => this with { RetentionBytes = ParseLong(key, value, min: -1) },
        "segment.bytes" => this with { SegmentBytes = (int)ParseLong(key, value, min: 1024, max: int.MaxValue) },
        "segment.ms" => this with { SegmentMs = ParseLong(key, value, min: 1) },
        "cleanup.policy" => this with { CleanupPolicy = ParseCleanupPolicy(value) },
        "flush.policy" => this with { FlushPolicy = ParseEnum<FlushPolicy>(key, value) },
        "flush.ms" => this with { FlushMs = ParseLong(key, value, min: 1) },
        "max.message.bytes" => this with { MaxMessageBytes = (int)ParseLong(key, value, min: 128, max: int.MaxValue) },
        "delete.retention.ms" => this with { DeleteRetentionMs = ParseLong(key, value, min: 0) },
        "index.interval.bytes" => this with { IndexIntervalBytes = (int)ParseLong(key, value, min: 1, max: int.MaxValue) },
        "message.timestamp.type" => this with { LogAppendTime = ParseTimestampType(value) },
        "min.insync.replicas" => this with { MinInsyncReplicas = (int)ParseLong(key, value, min: 1, max: int.MaxValue) },
        "unclean.leader.election.enable" => this with { UncleanLeaderElection = ParseBool(key, value) },
        _ => throw new Topics.InvalidConfigException($"unknown topic config '{key}'; known: {string.Join(", ", Keys)}"),
    };

    /// <summary>Every setting under its Kafka name, for describe and for persisting.</summary>
    public IReadOnlyDictionary<string, string> ToDictionary() => new SortedDictionary<string, string>(StringComparer.Ordinal)
    {
        ["retention.ms"] = RetentionMs.ToString(CultureInfo.InvariantCulture),
        ["retention.bytes"] = RetentionBytes.ToString(CultureInfo.InvariantCulture),
        ["segment.bytes"] = SegmentBytes.ToString(CultureInfo.InvariantCulture),
        ["segment.ms"] = SegmentMs.ToString(CultureInfo.InvariantCulture),
        ["cleanup.policy"] = CleanupPolicy switch
        {
            CleanupPolicy.Compact => "compact",
            CleanupPolicy.Delete => "delete",
            _ => "compact,delete",
        },
        ["flush.policy"] = FlushPolicy.ToString().ToLowerInvariant(),
        ["flush.ms"] = FlushMs.ToString(CultureInfo.InvariantCulture),
        ["max.message.bytes"] = MaxMessageBytes.ToString(CultureInfo.InvariantCulture),
        ["delete.retention.ms"] = DeleteRetentionMs.ToString(CultureInfo.InvariantCulture),
        ["index.interval.bytes"] = IndexIntervalBytes.ToString(CultureInfo.InvariantCulture),
        ["message.timestamp.type"] = LogAppendTime ? "LogAppendTime" : "CreateTime",
        ["min.insync.replicas"] = MinInsyncReplicas.ToString(CultureInfo.InvariantCulture),
        ["unclean.leader.election.enable"] = UncleanLeaderElection ? "true" : "false",
    };

    /// <summary>Parses <c>key=value</c> as given on a command line.</summary>
    public static KeyValuePair<string, string> ParseSetting(string setting)
    {
        int equals = setting.IndexOf('=');
        if (equals <= 0)
        {
            throw new Topics.InvalidConfigException($"config '{setting}' is not of the form key=value");
        }
        return new(setting[..equals].Trim(), setting[(equals + 1)..].Trim());
    }

    private static long ParseLong(string key, string value, long min, long max = long.MaxValue)
    {
        if (!long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long parsed) || parsed < min || parsed > max)
        {
            throw new Topics.InvalidConfigException($"config '{key}' has value '{value}'; expected an integer in [{min}, {max}]");
        }
        return parsed;
    }

    private static T ParseEnum<T>(string key, string value)
        where T : struct, Enum
    {
        if (!Enum.TryParse<T>(value, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed) || int.TryParse(value, out _))
        {
            throw new Topics.InvalidConfigException($"config '{key}' has value '{value}'; expected one of {string.Join(", ", Enum.GetNames<T>().Select(n => n.ToLowerInvariant()))}");
        }
        return parsed;
    }

    private static bool ParseBool(string key, string value) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw new Topics.InvalidConfigException($"config '{key}' has value '{value}'; expected true or false"),
    };

    private static CleanupPolicy ParseCleanupPolicy(string value)
    {
        CleanupPolicy policy = 0;
        foreach (string part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            policy |= part switch
            {
                "delete" => CleanupPolicy.Delete,
                "compact" => CleanupPolicy.Compact,
                _ => throw new Topics.InvalidConfigException($"config 'cleanup.policy' has value '{value}'; expected delete, compact or compact,delete"),
            };
        }
        return policy == 0
            ? throw new Topics.InvalidConfigException("config 'cleanup.policy' is empty; expected delete, compact or compact,delete")
            : policy;
    }

    private static bool ParseTimestampType(string value) => value switch
    {
        "CreateTime" => false,
        "LogAppendTime" => true,
        _ => throw new Topics.InvalidConfigException($"config 'message.timestamp.type' has value '{value}'; expected CreateTime or LogAppendTime"),
    };
}
