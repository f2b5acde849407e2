namespace Cep.Engine.Runtime;

/// <summary>A task's checkpointed state was written by a different version of the query (other operators, stores or types); the message names the query, task, checkpoint and both shapes.</summary>
public sealed class IncompatibleStateException(string message) : Exception(message);
