namespace Cep.Engine.Patterns;

/// <summary>The kinds of <see cref="AfterMatchSkipStrategy"/>.</summary>
internal enum AfterMatchSkipKind : byte
{
    NoSkip,
    SkipToNext,
    SkipPastLastEvent,
    SkipToFirst,
    SkipToLast,
}
