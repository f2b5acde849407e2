using Cep.Engine;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Engine.Time;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Cep.Query;

/// <summary>
/// What a query script sees as globals: its name and task, its inputs (<see cref="Topic{T}"/>),
/// its settings (<see cref="Config"/>) and a logger. The script runs once per task to build that
/// task's graph; outputs go to topics (<c>To(...)</c>), files (<c>ToFile(...)</c>) or the
/// console (<c>ToConsole(...)</c>). Owned by one task (one instance per task).
/// </summary>
public sealed class QueryGlobals(QueryContext context, IConfiguration? settings = null)
{
    private static readonly IConfiguration NoSettings = new ConfigurationBuilder().Build();

    /// <summary>The query's name (the script file's name unless deployed under another).</summary>
    public string QueryName => context.QueryName;

    /// <summary>The task building its graph now: it reads partition <see cref="Task"/> of every input.</summary>
    public int Task => context.Partition;

    /// <summary>The query's logger (category <c>Cep.Query.&lt;name&gt;</c>).</summary>
    public ILogger Log { get; } = context.Options.LoggerFactory.CreateLogger($"Cep.Query.{context.QueryName}");

    /// <summary>
    /// The query's settings: the <c>settings.&lt;query name&gt;</c> section of <c>cep.json</c>,
    /// overridden by <c>CEP_SETTINGS__&lt;query&gt;__&lt;key&gt;</c> variables and <c>cep run --set</c>
    /// (e.g. <c>Config.GetValue("threshold", 500m)</c>; empty when nothing is set).
    /// </summary>
    public IConfiguration Config { get; } = settings?.GetSection(context.QueryName) ?? NoSettings;

    /// <summary>The values of this task's partition of <paramref name="topic"/>.</summary>
    public Stream<T> Topic<T>(string topic, ISerde<T> serde, WatermarkStrategy<T>? watermarks = null) =>
        context.Topic(topic, serde, watermarks);

    /// <summary>Keys and values of this task's partition of <paramref name="topic"/>.</summary>
    public Stream<Keyed<TKey, T>> Topic<TKey, T>(string topic, ISerde<TKey> keySerde, ISerde<T> valueSerde, WatermarkStrategy<Keyed<TKey, T>>? watermarks = null) =>
        context.Topic(topic, keySerde, valueSerde, watermarks);
}
