namespace Cep.Engine;

/// <summary>A value with the key a keyed stream groups it by.</summary>
public readonly record struct Keyed<TKey, TValue>(TKey Key, TValue Value);
