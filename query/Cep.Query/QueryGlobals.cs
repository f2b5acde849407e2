using Cep.Engine;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.Time;
using Microsoft.Extensions.Logging;

namespace Cep.Query;

/// <summary>
/// What a query script sees as globals: its name and task, its inputs (<see cref="Topic{T}"/>),
/// and a logger. The script runs once per task to build that task's graph; outputs are
/// written with the DSL's <c>To(...)</c>. Owned by one task (one instance per task).
/// </summary>
public sealed class QueryGlobals(QueryContext context)
{
    /// <summary>The query's name (the script file's name unless deployed under another).</summary>
    public string QueryName => context.QueryName;

    /// <summary>The task building its graph now: it reads partition <see cref="Task"/> of every input.</summary>
    public int Task => context.Partition;

    /// <summary>The query's logger (category <c>Cep.Query.&lt;name&gt;</c>).</summary>
    public ILogger Log { get; } = context.Options.LoggerFactory.CreateLogger($"Cep.Query.{context.QueryName}");

    /// <summary>The values of this task's partition of <paramref name="topic"/>.</summary>
    public Stream<T> Topic<T>(string topic, ISerde<T> serde, WatermarkStrategy<T>? watermarks = null) =>
        context.Topic(topic, serde, watermarks);

    /// <summary>Keys and values of this task's partition of <paramref name="topic"/>.</summary>
    public Stream<Keyed<TKey, T>> Topic<TKey, T>(string topic, ISerde<TKey> keySerde, ISerde<T> valueSerde, WatermarkStrategy<Keyed<TKey, T>>? watermarks = null) =>
        context.Topic(topic, keySerde, valueSerde, watermarks);
}
