namespace Cep.Engine.Patterns;

/// <summary>
/// The link from a <see cref="PatternStream{TKey, T}"/> to its running operator, for
/// <see cref="PatternStream{TKey, T}.Explain"/>: the latest subscription sets
/// <see cref="Explainer"/> and leaves it after it ends, so its final state can still be read.
/// Written on subscribe; the explainer reads task-owned state (see Explain for when to call it).
/// </summary>
internal sealed class PatternProbe<TKey, T>
    where TKey : notnull
{
    public Func<TKey, PatternExplanation<TKey, T>>? Explainer { get; set; }
}
