namespace Cep.Engine.Windows;

/// <summary>An event that arrived after its window closed (watermark past end + grace): never dropped silently, but sent here with the reason.</summary>
public readonly record struct LateEvent<T>(T Value, long Timestamp, EventOrigin Origin, string Reason);
