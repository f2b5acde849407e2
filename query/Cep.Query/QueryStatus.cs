namespace Cep.Query;

/// <summary>A deployed query as the daemon reports it: state is <c>running</c>, <c>completed</c>, <c>failed</c> (with the error) or <c>stopped</c>; since = when it entered that state.</summary>
public sealed record QueryStatus(string Name, string Path, string State, string? Error, DateTimeOffset Since);
