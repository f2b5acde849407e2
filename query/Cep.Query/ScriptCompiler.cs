using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Cep.Engine;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Cep.Query;

/// <summary>
/// Compiles a query script to an assembly image with Roslyn: <see cref="QueryGlobals"/> as
/// globals, the engine's namespaces imported, <c>#load</c> resolved next to the script. The
/// image hash covers every source file (path and text) and the engine build, so a cached
/// image is reused exactly when compiling again would give the same program; the source hash
/// covers the texts only and versions the query (an engine upgrade is not a new version).
/// Thread-safe.
/// </summary>
internal static class ScriptCompiler
{
    private static readonly string[] Imports =
    [
        "System", "System.Linq", "System.Collections.Generic", "System.Text", "System.Text.Json",
        "Microsoft.Extensions.Configuration",
        "Cep.Engine", "Cep.Engine.Aggregates", "Cep.Engine.Joins", "Cep.Engine.Patterns",
        "Cep.Engine.Serdes", "Cep.Engine.Time", "Cep.Engine.Windows",
    ];

    /// <summary>Parses <paramref name="path"/> (and what it loads) and returns the compilation with its content hash; nothing is bound yet.</summary>
    public static (Compilation Compilation, string Hash, string SourceHash) Prepare(string path)
    {
        var options = ScriptOptions.Default
            .WithFilePath(path)
            .WithFileEncoding(Encoding.UTF8)
            .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(Path.GetDirectoryName(path)!))
            .WithReferences(
                typeof(object).Assembly,
                typeof(Enumerable).Assembly,
                typeof(List<>).Assembly,
                typeof(JsonSerializer).Assembly,
                typeof(ILogger).Assembly,
                typeof(IConfiguration).Assembly,
                typeof(ConfigurationBinder).Assembly,
                typeof(IObservable<>).Assembly,
                typeof(System.Reactive.Linq.Observable).Assembly,
                typeof(Stream<>).Assembly,
                typeof(Cep.Storage.Records.Record).Assembly,
                typeof(QueryGlobals).Assembly)
            .WithImports(Imports)
            .WithOptimizationLevel(OptimizationLevel.Release);
        var compilation = CSharpScript.Create<object>(File.ReadAllText(path), options, typeof(QueryGlobals)).GetCompilation();
        using var sources = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var tree in compilation.SyntaxTrees)
        {
            sources.AppendData(Encoding.UTF8.GetBytes(tree.GetText().ToString()));
        }
        byte[] sourceHash = sources.GetHashAndReset();
        using var image = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        image.AppendData(sourceHash);
        image.AppendData(typeof(Stream<>).Assembly.ManifestModule.ModuleVersionId.ToByteArray());
        image.AppendData(typeof(QueryGlobals).Assembly.ManifestModule.ModuleVersionId.ToByteArray());
        foreach (var tree in compilation.SyntaxTrees)
        {
            image.AppendData(Encoding.UTF8.GetBytes(tree.FilePath));
        }
        return (compilation, Convert.ToHexStringLower(image.GetHashAndReset()), Convert.ToHexStringLower(sourceHash));
    }

    /// <summary>Binds and emits the assembly image.</summary>
    /// <exception cref="QueryCompilationException">Every error, as file(line,col): error CSnnnn: text.</exception>
    public static byte[] Emit(string path, Compilation compilation)
    {
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        var errors = result.Diagnostics
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => CSharpDiagnosticFormatter.Instance.Format(d, CultureInfo.InvariantCulture))
            .ToList();
        if (!result.Success || errors.Count > 0)
        {
            throw new QueryCompilationException(path, errors);
        }
        return image.ToArray();
    }
}
