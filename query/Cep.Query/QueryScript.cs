using System.Globalization;
using System.Text.Json;
using Cep.Engine;
using Cep.Engine.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.Extensions.Logging;

namespace Cep.Query;

/// <summary>
/// A query written as a C# script (<c>.csx</c>), compiled with Roslyn against the engine's
/// public API with <see cref="QueryGlobals"/> as globals and the engine's namespaces imported.
/// Types declared in the script (records, classes) work as event types; <c>#load</c> of other
/// script files resolves relative to the script. Compiling reports every error with its
/// file, line and column; a script that compiles becomes a query definition that runs the
/// script once per task. Thread-safe once loaded (each run gets its own globals).
/// </summary>
public sealed class QueryScript
{
    private static readonly string[] Imports =
    [
        "System", "System.Linq", "System.Collections.Generic", "System.Text", "System.Text.Json",
        "Cep.Engine", "Cep.Engine.Aggregates", "Cep.Engine.Joins", "Cep.Engine.Patterns",
        "Cep.Engine.Serdes", "Cep.Engine.Time", "Cep.Engine.Windows",
    ];

    private readonly ScriptRunner<object> _run;

    private QueryScript(string path, ScriptRunner<object> run)
    {
        Path = path;
        _run = run;
    }

    public string Path { get; }

    /// <summary>The query's default name: the file name without its extension.</summary>
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    /// <summary>Reads and compiles the script at <paramref name="path"/>.</summary>
    /// <exception cref="QueryCompilationException">The script has errors (all of them are listed).</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static QueryScript Load(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"no query script at {full}", full);
        }
        var options = ScriptOptions.Default
            .WithFilePath(full)
            .WithFileEncoding(System.Text.Encoding.UTF8)
            .WithSourceResolver(ScriptSourceResolver.Default.WithBaseDirectory(System.IO.Path.GetDirectoryName(full)!))
            .WithReferences(
                typeof(object).Assembly,
                typeof(Enumerable).Assembly,
                typeof(List<>).Assembly,
                typeof(JsonSerializer).Assembly,
                typeof(ILogger).Assembly,
                typeof(IObservable<>).Assembly,
                typeof(System.Reactive.Linq.Observable).Assembly,
                typeof(Stream<>).Assembly,
                typeof(Cep.Storage.Records.Record).Assembly,
                typeof(QueryGlobals).Assembly)
            .WithImports(Imports)
            .WithOptimizationLevel(OptimizationLevel.Release);
        var script = CSharpScript.Create<object>(File.ReadAllText(full), options, typeof(QueryGlobals));
        var errors = script.Compile()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => CSharpDiagnosticFormatter.Instance.Format(d, CultureInfo.InvariantCulture))
            .ToList();
        if (errors.Count > 0)
        {
            throw new QueryCompilationException(full, errors);
        }
        return new QueryScript(full, script.CreateDelegate());
    }

    /// <summary>The query definition: runs the script for a task, building the task's graph.</summary>
    public void Define(QueryContext context)
    {
        try
        {
            _run(new QueryGlobals(context)).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"query script {Path} threw while building task {context.Partition}: {e.Message}", e);
        }
    }
}
