using System.Buffers;
using Cep.Engine.Serdes;
using Cep.Storage.State;

namespace Cep.Engine.State;

/// <summary>
/// What the persistent per-key stores share: one column family whose keys are the serde's
/// bytes of the operator's keys and whose values are written by a <see cref="StateWriter"/>.
/// Subclasses keep their state in memory, track the keys changed since the last checkpoint,
/// and write only those (<see cref="Put"/>, or <see cref="Delete"/> for keys gone).
/// Owned by one task.
/// </summary>
internal abstract class PersistentKeyedStore<TKey>(string storeName, ISerde<TKey> keySerde) : ICheckpointed
{
    private readonly ArrayBufferWriter<byte> _key = new();
    private readonly StateWriter _value = new();

    public string StoreName => storeName;

    public abstract string Signature { get; }

    public abstract void WriteCheckpoint(TaskStateDb state);

    public abstract void Restore(TaskStateDb state);

    /// <summary>The writer for the value of the next <see cref="Put"/>, emptied.</summary>
    protected StateWriter NewValue()
    {
        _value.Reset();
        return _value;
    }

    /// <summary>Stages <paramref name="key"/> with the value written since <see cref="NewValue"/>.</summary>
    protected void Put(TaskStateDb state, TKey key) => state.Put(storeName, KeyBytes(key), _value.WrittenSpan);

    protected void Delete(TaskStateDb state, TKey key) => state.Delete(storeName, KeyBytes(key));

    /// <summary>Every entry of the checkpoint being restored, in key byte order.</summary>
    protected IEnumerable<(TKey Key, StateReader Value)> Checkpointed(TaskStateDb state) =>
        state.Scan(storeName).Select(e => (keySerde.Deserialize(e.Key), new StateReader(e.Value)));

    private ReadOnlySpan<byte> KeyBytes(TKey key)
    {
        _key.ResetWrittenCount();
        keySerde.Serialize(key, _key);
        return _key.WrittenSpan;
    }
}
