namespace Cep.Engine.Runtime;

/// <summary>A query's group runs another version of the query (same name, other code): this member gets no task.</summary>
public sealed class QueryConflictException(string message) : Exception(message);
