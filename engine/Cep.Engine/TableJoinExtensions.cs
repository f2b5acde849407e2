using Cep.Engine.Operators;

namespace Cep.Engine;

/// <summary>
/// Tables from keyed streams, and stream-table joins (Kafka Streams' KStream-KTable join):
/// each stream event joins the value its key has in the table when the event arrives; table
/// changes produce no output. See <see cref="Table{TKey, TValue}"/> for what "latest" means
/// and how the two inputs are ordered. Not thread-safe: a graph is built and run by one task.
/// </summary>
public static class TableJoinExtensions
{
    /// <summary>The table of each key's latest event. (To delete keys, use the overload with a value selector.)</summary>
    public static Table<TKey, T> ToTable<TKey, T>(this KeyedStream<TKey, T> stream)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new(new TableChangesOperator<T, TKey, T>(stream.Source, stream.KeySelector, static value => value));
    }

    /// <summary>
    /// The table of each key's latest value, as <paramref name="valueSelector"/> reads it from
    /// the key's latest event; a null value is a tombstone and deletes the key.
    /// </summary>
    public static Table<TKey, TValue> ToTable<TKey, T, TValue>(this KeyedStream<TKey, T> stream, Func<T, TValue?> valueSelector)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(valueSelector);
        return new(new TableChangesOperator<T, TKey, TValue>(stream.Source, stream.KeySelector, valueSelector));
    }

    /// <summary>Inner stream-table join: each stream event whose key is in the table, with its current value.</summary>
    public static Stream<TResult> Join<TKey, T, TValue, TResult>(this KeyedStream<TKey, T> stream, Table<TKey, TValue> table, Func<T, TValue, TResult> resultSelector)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(resultSelector);
        return new(new StreamTableJoinOperator<TKey, T, TValue, TResult, InnerJoinResult<T, TValue, TResult>>(
            stream.Source, stream.KeySelector, table.Changes, new(resultSelector), "Join"));
    }

    /// <summary>Left stream-table join: every stream event, with its key's current value or none.</summary>
    public static Stream<TResult> LeftJoin<TKey, T, TValue, TResult>(this KeyedStream<TKey, T> stream, Table<TKey, TValue> table, Func<T, Optional<TValue>, TResult> resultSelector)
        where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(resultSelector);
        return new(new StreamTableJoinOperator<TKey, T, TValue, TResult, LeftJoinResult<T, TValue, TResult>>(
            stream.Source, stream.KeySelector, table.Changes, new(resultSelector), "LeftJoin"));
    }
}
