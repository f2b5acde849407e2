using System.Diagnostics.CodeAnalysis;

namespace Cep.Engine;

/// <summary>
/// A value that may be missing: what a left or outer join passes for the side without a
/// match. A struct rather than <c>T?</c> because for a value type <c>T?</c> on a generic
/// parameter is just <c>T</c>, so a missing 0 could not be told from a real 0; and rather than
/// null because a stream may carry null values of its own. <c>default</c> is "no value";
/// a value converts implicitly. Immutable.
/// </summary>
public readonly struct Optional<T> : IEquatable<Optional<T>>
{
    private readonly T _value;

    public Optional(T value)
    {
        _value = value;
        HasValue = true;
    }

    /// <summary>No value.</summary>
    public static Optional<T> None => default;

    public bool HasValue { get; }

    /// <summary>The value; throws when there is none.</summary>
    public T Value => HasValue ? _value : throw new InvalidOperationException($"no value: the other side had no match (check {nameof(HasValue)} first)");

    public static implicit operator Optional<T>(T value) => new(value);

    public static bool operator ==(Optional<T> left, Optional<T> right) => left.Equals(right);

    public static bool operator !=(Optional<T> left, Optional<T> right) => !left.Equals(right);

    public bool TryGetValue([MaybeNullWhen(false)] out T value)
    {
        value = _value;
        return HasValue;
    }

    /// <summary>The value, or <paramref name="fallback"/> when there is none.</summary>
    public T GetValueOrDefault(T fallback) => HasValue ? _value : fallback;

    public bool Equals(Optional<T> other) =>
        HasValue == other.HasValue && (!HasValue || EqualityComparer<T>.Default.Equals(_value, other._value));

    public override bool Equals(object? obj) => obj is Optional<T> other && Equals(other);

    public override int GetHashCode() => HasValue ? HashCode.Combine(true, _value) : 0;

    /// <summary>The value's text, or "null" when there is none (as Kafka Streams prints a missing side).</summary>
    public override string ToString() => HasValue ? _value?.ToString() ?? "" : "null";
}
