using Cep.Engine.Windows;

namespace Cep.Engine.Patterns;

/// <summary>Where a pattern operator sends what is not a match: its side outputs, and the probe explain reads it through. Immutable.</summary>
internal sealed record PatternOutputs<TKey, T>(
    IObserver<StreamItem<LateEvent<T>>> Late,
    System.Reactive.Subjects.Subject<StreamItem<TimedOutMatch<TKey, T>>> TimedOut,
    IObserver<StreamItem<PrunedMatch<TKey, T>>> Pruned,
    PatternProbe<TKey, T> Probe)
    where TKey : notnull;
