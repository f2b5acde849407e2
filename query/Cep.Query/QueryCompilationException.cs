namespace Cep.Query;

/// <summary>A query script did not compile: the message lists each error as <c>file(line,col): error CSnnnn: text</c>, as <c>dotnet build</c> prints them.</summary>
public sealed class QueryCompilationException(string path, IReadOnlyList<string> errors)
    : Exception($"{path} does not compile:\n{string.Join('\n', errors)}")
{
    public string Path { get; } = path;

    public IReadOnlyList<string> Errors { get; } = errors;
}
