namespace Cep.Engine.Windows;

/// <summary>The aggregate of one key in one window.</summary>
public readonly record struct WindowResult<TKey, TValue>(TKey Key, Window Window, TValue Value);
