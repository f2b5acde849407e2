using Cep.Engine.Runtime;
using Cep.Engine.Serdes;

namespace Cep.Engine;

/// <summary>Re-keying across tasks.</summary>
public static class StreamRepartition
{
    /// <summary>
    /// Re-keys a stream across the query's tasks through an internal repartition topic, so that
    /// every event of a key reaches the same task before a stateful operator (a window, a join).
    /// Needed when the input topic is not already partitioned by this key.
    /// </summary>
    public static KeyedStream<TKey, T> RepartitionBy<T, TKey>(this Stream<T> stream, Func<T, TKey> keySelector, ISerde<TKey> keySerde, ISerde<T> valueSerde)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(keySelector);
        ArgumentNullException.ThrowIfNull(keySerde);
        ArgumentNullException.ThrowIfNull(valueSerde);
        return QueryContext.Current.Repartition(stream, keySelector, keySerde, valueSerde).KeyBy(keySelector);
    }
}
