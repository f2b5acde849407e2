namespace Cep.Engine.State;

/// <summary>
/// One session of one key in a session store: the times of its first and last events (both
/// inclusive), an id the store gave it (stable while the session grows and merges; it orders
/// sessions that end together), and its value.
/// </summary>
public readonly record struct Session<TValue>(long Start, long End, long Id, TValue Value);
