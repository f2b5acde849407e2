namespace Cep.Engine.State;

/// <summary>A checkpoint participant that acts once a checkpoint is durable (the second phase of a two-phase commit, e.g. publishing files written since the last one).</summary>
internal interface ICheckpointListener
{
    void CheckpointCompleted(long checkpointId);
}
