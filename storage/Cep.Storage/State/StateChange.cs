namespace Cep.Storage.State;

/// <summary>A key of a task's state store and its value after a commit; a null value: the key was deleted.</summary>
public readonly record struct StateChange(string Store, byte[] Key, byte[]? Value);
