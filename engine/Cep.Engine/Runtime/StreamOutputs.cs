using Cep.Engine.Runtime;
using Cep.Engine.Serdes;

namespace Cep.Engine;

/// <summary>Writing streams to topics: the sinks of a query definition.</summary>
public static class StreamOutputs
{
    /// <summary>Appends each event to <paramref name="topic"/> without a key (in the task's own partition), timestamped with its event time.</summary>
    public static void To<T>(this Stream<T> stream, string topic, ISerde<T> serde)
    {
        ArgumentNullException.ThrowIfNull(serde);
        QueryContext.Current.AddOutput<T, object>(stream, topic, serde, null, null);
    }

    /// <summary>Appends each event to <paramref name="topic"/> keyed by <paramref name="keySelector"/>, partitioned by murmur2 of the key like every Kafka producer.</summary>
    public static void To<T, TKey>(this Stream<T> stream, string topic, Func<T, TKey> keySelector, ISerde<TKey> keySerde, ISerde<T> valueSerde)
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        ArgumentNullException.ThrowIfNull(keySerde);
        ArgumentNullException.ThrowIfNull(valueSerde);
        QueryContext.Current.AddOutput(stream, topic, valueSerde, keySelector, keySerde);
    }

    /// <summary>
    /// Writes each event as a line (<paramref name="format"/>) to files in <paramref name="directory"/>,
    /// one set per task: <c>part-&lt;task&gt;.txt</c>, or, when the query checkpoints its state,
    /// <c>part-&lt;task&gt;-&lt;checkpoint&gt;.txt</c> files published exactly once as checkpoints complete.
    /// </summary>
    public static void ToFile<T>(this Stream<T> stream, string directory, Func<T, string> format)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(format);
        QueryContext.Current.AddFileOutput(stream, directory, format);
    }

    /// <summary>
    /// Prints each event as a line (<paramref name="format"/>, default <c>ToString()</c>) to the
    /// query's console: standard output of <c>cep run</c> or of the daemon. At least once — a
    /// restarted query prints again what followed its last checkpoint — so use it to watch, and
    /// topics or <see cref="ToFile{T}"/> to keep.
    /// </summary>
    public static void ToConsole<T>(this Stream<T> stream, Func<T, string>? format = null) =>
        QueryContext.Current.AddConsoleOutput(stream, format ?? (value => value?.ToString() ?? "null"));
}
