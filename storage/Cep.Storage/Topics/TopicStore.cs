using System.Globalization;
using Cep.Storage.IO;
using Cep.Storage.Log;

namespace Cep.Storage.Topics;

/// <summary>
/// All topics of one data directory: <c>topics/&lt;topic&gt;/topic.json</c> and
/// <c>topics/&lt;topic&gt;/&lt;partition&gt;/</c> segment directories. Owns the partition logs, runs
/// retention and compaction in the background, and holds an exclusive lock on the data
/// directory so that no second process opens (and "recovers") logs this one is writing.
/// Thread-safe.
/// </summary>
public sealed class TopicStore : IDisposable
{
    private const string LockFileName = ".lock";
    private const string PidFileName = ".lock.pid";

    private readonly object _lock = new();
    private readonly Dictionary<string, (TopicManifest Manifest, PartitionLog[] Partitions)> _topics = new(StringComparer.Ordinal);
    private readonly PartitionLogOptions _options;
    private readonly FileStream _lockFile;
    private readonly LogCleaner _cleaner;
    private ITimer? _maintenance;
    private int _roundRobin;
    private int _maintenanceRunning;
    private bool _disposed;

    private TopicStore(string dataDirectory, PartitionLogOptions options, FileStream lockFile)
    {
        DataDirectory = dataDirectory;
        _options = options;
        _lockFile = lockFile;
        _cleaner = new LogCleaner(options.Time);
        Directory.CreateDirectory(TopicsDirectory);
        DeleteLeftovers();
        foreach (string directory in Directory.EnumerateDirectories(TopicsDirectory))
        {
            var manifest = TopicManifest.TryRead(directory);
            if (manifest is null)
            {
                Directory.Delete(directory, recursive: true); // an interrupted create
                continue;
            }
            var config = new LogConfig().With(manifest.Config);
            var partitions = Enumerable.Range(0, manifest.Partitions)
                .Select(p => PartitionLog.Open(PartitionDirectory(manifest.Name, p), manifest.Name, p, config, _options))
                .ToArray();
            _topics[manifest.Name] = (manifest, partitions);
        }
    }

    public string DataDirectory { get; }

    /// <summary>The latest maintenance failures (up to 100), each naming its partition; for the daemon to log and show.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> MaintenanceErrors { get; } = new();

    /// <summary>Brokers available for replicas: one until replication lands.</summary>
    public int BrokerCount => 1;

    private string TopicsDirectory => Path.Combine(DataDirectory, "topics");

    /// <summary>The checks of a new topic that need no lock; returns its log config.</summary>
    private LogConfig CheckNewTopic(string name, int partitions, int replicationFactor, Dictionary<string, string> overrides)
    {
        TopicName.Validate(name);
        if (partitions < 1)
        {
            throw new InvalidTopicException($"topic '{name}': partition count must be at least 1, got {partitions}");
        }
        if (replicationFactor < 1 || replicationFactor > BrokerCount)
        {
            throw new InvalidTopicException($"topic '{name}': replication factor {replicationFactor} is not possible with {BrokerCount} broker(s); use 1..{BrokerCount}");
        }
        return new LogConfig().With(overrides);
    }

    private void CheckNameIsFreeLocked(string name)
    {
        if (_topics.ContainsKey(name))
        {
            throw new TopicExistsException($"topic '{name}' already exists");
        }
        string? collision = _topics.Keys.FirstOrDefault(t => TopicName.CollisionKey(t) == TopicName.CollisionKey(name));
        if (collision is not null)
        {
            throw new InvalidTopicException($"topic '{name}' collides with existing topic '{collision}' ('.' and '_' are interchangeable in Kafka's metric names)");
        }
    }

    /// <summary>Opens (creating if needed) the store in <paramref name="dataDirectory"/>, recovering every partition.</summary>
    /// <exception cref="StorageException">Another process has the directory open.</exception>
    public static TopicStore Open(string dataDirectory, PartitionLogOptions? options = null)
    {
        Directory.CreateDirectory(dataDirectory);
        string lockPath = Path.Combine(dataDirectory, LockFileName);
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            string holder = TryReadPid(Path.Combine(dataDirectory, PidFileName));
            throw new StorageException($"data directory {Path.GetFullPath(dataDirectory)} is in use by another process{holder}; stop it or use another --data directory", e);
        }
        File.WriteAllText(Path.Combine(dataDirectory, PidFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        try
        {
            return new TopicStore(dataDirectory, options ?? new PartitionLogOptions(), lockFile);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    public TopicDescription CreateTopic(string name, int partitions, int replicationFactor = 1, IEnumerable<KeyValuePair<string, string>>? config = null)
    {
        var overrides = (config ?? []).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        var logConfig = CheckNewTopic(name, partitions, replicationFactor, overrides);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CheckNameIsFreeLocked(name);
            var manifest = new TopicManifest(name, partitions, replicationFactor, overrides);
            var logs = Enumerable.Range(0, partitions)
                .Select(p => PartitionLog.Open(PartitionDirectory(name, p), name, p, logConfig, _options))
                .ToArray();
            manifest.Write(TopicDirectory(name));
            FileLogFile.FlushDirectory(TopicsDirectory);
            _topics[name] = (manifest, logs);
            return DescribeLocked(name);
        }
    }

    /// <summary>
    /// Checks that <see cref="CreateTopic"/> would accept the topic — name, partition count,
    /// replication factor, configs, and that no topic has the name (or one that collides with
    /// it) — without creating it (Kafka's validate-only creates), throwing what it would throw.
    /// </summary>
    public void ValidateNewTopic(string name, int partitions, int replicationFactor, IEnumerable<KeyValuePair<string, string>> config)
    {
        CheckNewTopic(name, partitions, replicationFactor, config.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CheckNameIsFreeLocked(name);
        }
    }

    public void DeleteTopic(string name)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var (_, partitions) = Find(name);
            _topics.Remove(name);
            foreach (var partition in partitions)
            {
                partition.Dispose();
            }
            // Rename first (atomic: the topic is gone even if the process dies mid-delete), then delete.
            string graveyard = Path.Combine(DataDirectory, "deleted");
            Directory.CreateDirectory(graveyard);
            string target = Path.Combine(graveyard, $"{name}-{Guid.NewGuid():N}");
            Directory.Move(TopicDirectory(name), target);
            FileLogFile.FlushDirectory(TopicsDirectory);
            Directory.Delete(target, recursive: true);
        }
    }

    public IReadOnlyList<string> ListTopics()
    {
        lock (_lock)
        {
            return _topics.Keys.Order(StringComparer.Ordinal).ToList();
        }
    }

    public TopicDescription Describe(string name)
    {
        lock (_lock)
        {
            return DescribeLocked(name);
        }
    }

    /// <summary>Grows a topic to <paramref name="partitions"/> partitions (never shrinks, as in Kafka).</summary>
    public TopicDescription AddPartitions(string name, int partitions)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var (manifest, logs) = Find(name);
            if (partitions <= manifest.Partitions)
            {
                throw new InvalidTopicException($"topic '{name}' has {manifest.Partitions} partitions; the new count must be larger, got {partitions}");
            }
            var config = logs[0].Config;
            var added = Enumerable.Range(manifest.Partitions, partitions - manifest.Partitions)
                .Select(p => PartitionLog.Open(PartitionDirectory(name, p), name, p, config, _options));
            var updated = manifest with { Partitions = partitions };
            var all = logs.Concat(added).ToArray();
            updated.Write(TopicDirectory(name));
            _topics[name] = (updated, all);
            return DescribeLocked(name);
        }
    }

    /// <summary>Sets config overrides on a topic; they apply to the next append, roll and maintenance run.</summary>
    public TopicDescription AlterConfig(string name, IEnumerable<KeyValuePair<string, string>> settings)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var (manifest, logs) = Find(name);
            var overrides = new Dictionary<string, string>(manifest.Config, StringComparer.Ordinal);
            foreach (var (key, value) in settings)
            {
                overrides[key] = value;
            }
            var config = new LogConfig().With(overrides);
            var updated = manifest with { Config = overrides };
            updated.Write(TopicDirectory(name));
            foreach (var log in logs)
            {
                log.Config = config;
            }
            _topics[name] = (updated, logs);
            return DescribeLocked(name);
        }
    }

    /// <exception cref="UnknownTopicException">No such topic, or no such partition (the message gives the valid range).</exception>
    public PartitionLog GetPartition(string topic, int partition)
    {
        lock (_lock)
        {
            var (_, partitions) = Find(topic);
            if (partition < 0 || partition >= partitions.Length)
            {
                throw new UnknownTopicException($"topic '{topic}' has no partition {partition}; valid partitions are 0..{partitions.Length - 1}");
            }
            return partitions[partition];
        }
    }

    public int PartitionCount(string topic)
    {
        lock (_lock)
        {
            return Find(topic).Partitions.Length;
        }
    }

    /// <summary>Kafka's default partitioner: murmur2 of the key, or round robin for a null key.</summary>
    public int PartitionFor(string topic, ReadOnlySpan<byte> key, bool keyIsNull)
    {
        int count = PartitionCount(topic);
        return keyIsNull
            ? (int)((uint)Interlocked.Increment(ref _roundRobin) % (uint)count)
            : Murmur2Partitioner.Partition(key, count);
    }

    /// <summary>
    /// One pass of retention and compaction over every partition; returns segments deleted and
    /// cleaned. A pass asked for while one runs (a slow pass meeting the next timer tick) is skipped.
    /// </summary>
    public (int Deleted, int Cleaned) RunMaintenance()
    {
        if (Interlocked.Exchange(ref _maintenanceRunning, 1) == 1)
        {
            return (0, 0);
        }
        try
        {
            return RunMaintenancePass();
        }
        finally
        {
            Volatile.Write(ref _maintenanceRunning, 0);
        }
    }

    private (int Deleted, int Cleaned) RunMaintenancePass()
    {
        PartitionLog[] logs;
        lock (_lock)
        {
            logs = _topics.Values.SelectMany(t => t.Partitions).ToArray();
        }
        int deleted = 0, cleaned = 0;
        foreach (var log in logs)
        {
            try
            {
                deleted += log.EnforceRetention();
                if (log.Config.CleanupPolicy.HasFlag(CleanupPolicy.Compact))
                {
                    cleaned += _cleaner.Clean(log);
                }
            }
            catch (ObjectDisposedException)
            {
                // Deleted while we ran.
            }
            catch (Exception e) when (e is IOException or StorageException)
            {
                // One partition's trouble (a file that will not delete, a corrupt batch met by the
                // cleaner) must not stop maintenance of the others, nor crash the timer thread.
                MaintenanceErrors.Enqueue($"{log.Name}: {e.Message}");
                while (MaintenanceErrors.Count > 100)
                {
                    MaintenanceErrors.TryDequeue(out _);
                }
            }
        }
        return (deleted, cleaned);
    }

    /// <summary>Runs <see cref="RunMaintenance"/> every <paramref name="interval"/> on the store's clock, off the append path.</summary>
    public void StartMaintenance(TimeSpan interval)
    {
        lock (_lock)
        {
            _maintenance ??= _options.Time.CreateTimer(_ => RunMaintenance(), null, interval, interval);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        _maintenance?.Dispose();
        foreach (var (_, partitions) in _topics.Values)
        {
            foreach (var partition in partitions)
            {
                partition.Dispose();
            }
        }
        _lockFile.Dispose();
    }

    private (TopicManifest Manifest, PartitionLog[] Partitions) Find(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _topics.TryGetValue(name, out var topic)
            ? topic
            : throw new UnknownTopicException($"topic '{name}' does not exist");
    }

    private TopicDescription DescribeLocked(string name)
    {
        var (manifest, partitions) = Find(name);
        var described = partitions
            .Select(p => new PartitionDescription(p.Partition, p.LogStartOffset, p.LogEndOffset, p.SizeInBytes, p.SegmentCount))
            .ToList();
        return new TopicDescription(name, manifest.ReplicationFactor, partitions[0].Config, described);
    }

    private string TopicDirectory(string topic) => Path.Combine(TopicsDirectory, topic);

    private string PartitionDirectory(string topic, int partition) =>
        Path.Combine(TopicDirectory(topic), partition.ToString(CultureInfo.InvariantCulture));

    private void DeleteLeftovers()
    {
        string graveyard = Path.Combine(DataDirectory, "deleted");
        if (Directory.Exists(graveyard))
        {
            Directory.Delete(graveyard, recursive: true);
        }
    }

    private static string TryReadPid(string pidPath)
    {
        try
        {
            string pid = File.ReadAllText(pidPath).Trim();
            return pid.Length > 0 ? $" (pid {pid})" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }
}
