namespace Cep.Engine;

/// <summary>
/// A table: the latest value of each key, as a stream of changes sets it (Kafka Streams'
/// KTable). A change with a null value is a tombstone: it deletes the key. "Latest" means
/// latest in the order the changes arrive, which the runtime makes deterministic by merging
/// inputs in (timestamp, input, offset) order (DESIGN §4); a change does not carry a version,
/// so an older change arriving later still wins. Built with <c>keyedStream.ToTable()</c>;
/// used by stream-table joins (<c>stream.Join(table, …)</c>). Not thread-safe (one task).
/// </summary>
public sealed class Table<TKey, TValue>
    where TKey : notnull
{
    internal Table(IObservable<StreamItem<Keyed<TKey, TValue?>>> changes)
    {
        Changes = changes;
    }

    internal IObservable<StreamItem<Keyed<TKey, TValue?>>> Changes { get; }

    /// <summary>The table's changelog: each change as a key and its new value (null: deleted).</summary>
    public Stream<Keyed<TKey, TValue?>> ToStream() => new(Changes);
}
