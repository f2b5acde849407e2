using Cep.Engine.Serdes;
using Cep.Engine.State;
using Cep.Engine.Time;
using Cep.Storage.Records;
using Microsoft.Extensions.Logging;

namespace Cep.Engine.Runtime;

/// <summary>
/// What a query definition builds its graph with, for one task: the task's partition of each
/// input topic (task i reads partition i of every input) and the outputs. The runtime runs
/// the definition once per task, so every task has its own graph and state. While a
/// definition runs, <see cref="Current"/> is its context: that is how <c>stream.To(...)</c>
/// finds where to register. Owned by one task.
/// </summary>
public sealed class QueryContext
{
    [ThreadStatic]
    private static QueryContext? _current;

    private readonly ITopicLog _log;
    private readonly List<TaskInput> _inputs = [];
    private readonly List<TaskOutput> _outputs = [];
    private readonly Dictionary<string, PartitionedBatches> _batchesByTopic = [];
    private int _repartitions;

    internal QueryContext(string queryName, int partition, ITopicLog log, QueryOptions options)
    {
        QueryName = queryName;
        Partition = partition;
        Options = options;
        _log = log;
        if (options.StateDirectory is { } stateDirectory)
        {
            var logger = options.LoggerFactory.CreateLogger("Cep.Engine.Runtime.TaskState");
            var changelog = options.Changelog ? new Changelog(log, queryName, partition, options.TaskCount, logger) : null;
            State = new TaskState(queryName, partition, Path.Combine(stateDirectory, queryName, $"task-{partition}"), options.KeepCheckpoints, changelog, logger);
        }
        if (options.OnBadRecord == ErrorPolicy.DeadLetter)
        {
            string topic = options.DeadLetterTopic ?? throw new ArgumentException("ErrorPolicy.DeadLetter needs a DeadLetterTopic", nameof(options));
            DeadLetters = new DeadLetterOutput(BatchesFor(topic), partition);
            _outputs.Add(DeadLetters);
        }
    }

    public string QueryName { get; }

    /// <summary>The partition number this task reads from every input.</summary>
    public int Partition { get; }

    public QueryOptions Options { get; }

    internal ITopicLog Log => _log;

    internal IReadOnlyList<TaskInput> Inputs => _inputs;

    internal IReadOnlyList<TaskOutput> Outputs => _outputs;

    /// <summary>The batches of every topic the task writes (outputs, repartition topics, dead letters).</summary>
    internal IEnumerable<PartitionedBatches> Batches => _batchesByTopic.Values;

    internal DeadLetterOutput? DeadLetters { get; }

    /// <summary>The task's checkpointed state, when <see cref="QueryOptions.StateDirectory"/> is set.</summary>
    internal TaskState? State { get; }

    /// <summary>
    /// The producer id this task writes its outputs with: a stable hash of query name, task and version,
    /// so a restarted task is the same producer and the log can tell its re-created records
    /// from new ones. Only tasks with checkpointed state write as idempotent producers.
    /// </summary>
    internal long ProducerId => State is null ? -1 : ProducerIds.For(QueryName, Partition, Options.Version);

    /// <summary>Where operators built now send user-code failures: the running definition's dead letters under ErrorPolicy.DeadLetter, else null (stop).</summary>
    internal static DeadLetterOutput? CurrentDeadLetters => _current?.DeadLetters;

    /// <summary>The running definition's checkpointed task state, if it has one: operators built now register their state there.</summary>
    internal static TaskState? CurrentState => _current?.State;

    /// <summary>The running definition's logger factory, or none outside a query run by the runner.</summary>
    internal static Microsoft.Extensions.Logging.ILoggerFactory CurrentLoggerFactory =>
        _current?.Options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;

    /// <summary>
    /// A window store for an operator built now: checkpointed in the running definition's task
    /// state when it has one, else in memory.
    /// </summary>
    internal static IWindowStore<TKey, TValue> WindowStore<TKey, TValue>()
        where TKey : notnull =>
        Checkpointed("window", static name => new PersistentWindowStore<TKey, TValue>(name, StateSerde.For<TKey>(), StateSerde.For<TValue>()))
        ?? (IWindowStore<TKey, TValue>)new InMemoryWindowStore<TKey, TValue>();

    /// <summary>
    /// A session store for an operator built now: checkpointed in the running definition's task
    /// state when it has one, else in memory.
    /// </summary>
    internal static ISessionStore<TKey, TValue> SessionStore<TKey, TValue>()
        where TKey : notnull =>
        Checkpointed("session", static name => new PersistentSessionStore<TKey, TValue>(name, StateSerde.For<TKey>(), StateSerde.For<TValue>()))
        ?? (ISessionStore<TKey, TValue>)new InMemorySessionStore<TKey, TValue>();

    /// <summary>
    /// A key-value store for an operator built now, holding <paramref name="kind"/> (which names
    /// its column family): checkpointed in the running definition's task state when it has one,
    /// its values written and read back by <paramref name="writeValue"/> and
    /// <paramref name="readValue"/>, else in memory. <paramref name="restored"/> runs once the
    /// store is restored (before the first event), for state the operator derives from it.
    /// </summary>
    internal static IKeyValueStore<TKey, TValue> KeyValueStore<TKey, TValue>(string kind, Action<StateWriter, TValue> writeValue, Func<StateReader, TValue> readValue, Action? restored = null)
        where TKey : notnull =>
        Checkpointed(kind, name => new PersistentKeyValueStore<TKey, TValue>(name, kind, StateSerde.For<TKey>(), writeValue, readValue, restored))
        ?? (IKeyValueStore<TKey, TValue>)new InMemoryKeyValueStore<TKey, TValue>();

    /// <summary>A key-value store of plain values (written with <see cref="StateSerde.For{T}"/>) for an operator built now; see the overload.</summary>
    internal static IKeyValueStore<TKey, TValue> KeyValueStore<TKey, TValue>(string kind)
        where TKey : notnull
    {
        var serde = StateSerde.For<TValue>();
        return KeyValueStore<TKey, TValue>(kind, (writer, value) => writer.Write(value, serde), reader => reader.Read(serde));
    }

    /// <summary>A store <paramref name="create"/> makes under the next name of <paramref name="kind"/>, registered in the running definition's task state; null when it has none (the caller keeps the state in memory).</summary>
    private static TStore? Checkpointed<TStore>(string kind, Func<string, TStore> create)
        where TStore : class, ICheckpointed
    {
        if (_current?.State is not { } state)
        {
            return null;
        }
        var store = create(state.NextName(kind));
        state.Register(store);
        return store;
    }

    internal static QueryContext Current => _current
        ?? throw new InvalidOperationException("To(...) writes to the log only inside a query definition run by the query runner");

    /// <summary>The values of this task's partition of <paramref name="topic"/> (a null record value arrives as default).</summary>
    public Stream<T> Topic<T>(string topic, ISerde<T> serde, WatermarkStrategy<T>? watermarks = null) =>
        AddInput(topic, record => record.Value is { } v ? serde.Deserialize(v.Span) : default!, watermarks);

    /// <summary>Keys and values of this task's partition of <paramref name="topic"/>.</summary>
    public Stream<Keyed<TKey, T>> Topic<TKey, T>(string topic, ISerde<TKey> keySerde, ISerde<T> valueSerde, WatermarkStrategy<Keyed<TKey, T>>? watermarks = null) =>
        AddInput(topic, record => new Keyed<TKey, T>(
            record.Key is { } k ? keySerde.Deserialize(k.Span) : default!,
            record.Value is { } v ? valueSerde.Deserialize(v.Span) : default!), watermarks);

    internal IDisposable Enter()
    {
        var previous = _current;
        _current = this;
        return new Exit(previous);
    }

    internal void AddOutput<T, TKey>(Stream<T> stream, string topic, ISerde<T> valueSerde, Func<T, TKey>? keySelector, ISerde<TKey>? keySerde, bool carryWatermarks = false)
    {
        if (!carryWatermarks && Options.OutputTopic is { } replacement)
        {
            topic = replacement;
        }
        if (!carryWatermarks && (Options.OutputTopic is not null || Options.CreateMissingOutputs))
        {
            _log.EnsureTopic(topic, _inputs.Count > 0 ? _log.PartitionCount(_inputs[0].Cursor.Topic) : 1);
        }
        var output = new TopicOutput<T, TKey>(BatchesFor(topic), Partition, valueSerde, keySelector, keySerde, carryWatermarks);
        if (carryWatermarks && State is not null)
        {
            output.StateKey = System.Text.Encoding.UTF8.GetBytes(State.NextName($"carried-watermark/{topic}"));
            State.Register(output);
        }
        _outputs.Add(output);
        stream.Subscribe(output);
    }

    internal void AddFileOutput<T>(Stream<T> stream, string directory, Func<T, string> format)
    {
        var output = new FileOutput<T>(directory, Partition, format);
        if (State is not null)
        {
            output.CommitWithCheckpoints();
            State.Register(output);
        }
        _outputs.Add(output);
        stream.Subscribe(output);
    }

    internal void AddConsoleOutput<T>(Stream<T> stream, Func<T, string> format)
    {
        var output = new ConsoleOutput<T>(Options.Console, format);
        _outputs.Add(output);
        stream.Subscribe(output);
    }

    /// <summary>
    /// Sends <paramref name="stream"/> through the query's next repartition topic
    /// (<c>&lt;query&gt;-repartition-&lt;n&gt;</c>, created with the query's partition count) keyed by
    /// <paramref name="keySelector"/>, and returns the values of this task's partition of it:
    /// every event of a key, from every task, arrives in one task. Watermarks travel with the data.
    /// </summary>
    internal Stream<T> Repartition<T, TKey>(Stream<T> stream, Func<T, TKey> keySelector, ISerde<TKey> keySerde, ISerde<T> valueSerde)
    {
        if (_inputs.Count == 0)
        {
            throw new InvalidOperationException($"query '{QueryName}': repartition after reading a topic (its partition count sets the repartition topic's)");
        }
        int partitions = _log.PartitionCount(_inputs[0].Cursor.Topic);
        string topic = $"{QueryName}-repartition-{_repartitions++}";
        _log.EnsureTopic(topic, partitions);
        AddOutput(stream, topic, valueSerde, keySelector, keySerde, carryWatermarks: true);
        Func<Record, T> decode = record => record.Value is { } v ? valueSerde.Deserialize(v.Span) : default!;
        var input = new TopicInput<T>(
            _log.OpenCursor(topic, Partition, 0), group: _repartitions, endOffset: long.MaxValue, decode,
            WatermarkStrategy<T>.ForMonotonicTimestamps(), new UpstreamWatermarks(partitions));
        _inputs.Add(input);
        State?.Register(input);
        return Streams.FromItems(input.Source);
    }

    private Stream<T> AddInput<T>(string topic, Func<Record, T> decode, WatermarkStrategy<T>? watermarks)
    {
        int partitions = _log.PartitionCount(topic);
        if (Partition >= partitions)
        {
            throw new InvalidOperationException($"query '{QueryName}': input '{topic}' has {partitions} partition(s) but task {Partition} needs partition {Partition}; the inputs of a query must have the same partition count");
        }
        long end = _log.EndOffset(topic, Partition);
        var strategy = watermarks ?? WatermarkStrategy<T>.ForMonotonicTimestamps();
        // A start offset past the end (long.MaxValue: "from the latest") means the end.
        long start = Math.Min(end, Options.StartOffset ?? (Options.StartTime is { } time ? _log.OffsetForTimestamp(topic, Partition, time.ToUnixTimeMilliseconds()) : 0));
        Options.OnInputOpened?.Invoke(topic, Partition, start, end);
        var input = new TopicInput<T>(_log.OpenCursor(topic, Partition, start), group: 0, end, decode, strategy) { Idleness = strategy.Idleness };
        _inputs.Add(input);
        State?.Register(input);
        return Streams.FromItems(input.Source);
    }

    private PartitionedBatches BatchesFor(string topic)
    {
        if (!_batchesByTopic.TryGetValue(topic, out var batches))
        {
            batches = new PartitionedBatches(topic, _log.PartitionCount(topic), ProducerId);
            _batchesByTopic[topic] = batches;
            State?.Register(batches);
        }
        return batches;
    }

    private sealed class Exit(QueryContext? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
