using Cep.Storage.State;

namespace Cep.Engine.State;

/// <summary>
/// A part of a task's state that goes into its checkpoints: an operator's store, or the
/// runtime's own positions (input offsets, watermarks, output sequences). At a checkpoint the
/// task is between iterations (no event in flight), every participant stages what changed
/// since the last one into the task's <see cref="TaskStateDb"/>, and the task commits them in
/// one batch. On restore, before the first event, each participant reads its state back.
/// </summary>
internal interface ICheckpointed
{
    /// <summary>The column family holding this state; participants that share one use distinct keys.</summary>
    string StoreName { get; }

    /// <summary>What the state is (kind and types): a restore refuses state written under another description.</summary>
    string Signature { get; }

    void WriteCheckpoint(TaskStateDb state);

    void Restore(TaskStateDb state);
}
