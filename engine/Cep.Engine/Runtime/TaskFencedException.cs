namespace Cep.Engine.Runtime;

/// <summary>A task's changelog has a newer owner: another member runs the task now, and this one must stop running it (without failing the query).</summary>
public sealed class TaskFencedException(string message, Exception inner) : Exception(message, inner);
