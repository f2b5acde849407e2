using System.Reflection;
using System.Runtime.Loader;
using Cep.Engine.Runtime;
using Microsoft.Extensions.Configuration;

namespace Cep.Query;

/// <summary>
/// A query written as a C# script (<c>.csx</c>), compiled with Roslyn against the engine's
/// public API (<see cref="ScriptCompiler"/>). Types declared in the script (records, classes)
/// work as event types; <c>#load</c> of other script files resolves relative to the script.
/// Compiling reports every error with its file, line and column. The compiled image is cached
/// by content hash (when a cache folder is given), so a restart does not compile again, and it
/// runs in its own collectible load context: disposing the script unloads it completely once
/// nothing references its types. A script that compiles becomes a query definition that runs
/// it once per task (<see cref="Define"/>). Thread-safe once loaded (each run gets its own globals).
/// </summary>
public sealed class QueryScript : IDisposable
{
    private readonly AssemblyLoadContext _context;
    private readonly MethodInfo _factory;

    private QueryScript(string path, string hash, string sourceHash, bool fromCache, AssemblyLoadContext context, MethodInfo factory)
    {
        Path = path;
        Hash = hash;
        SourceHash = sourceHash;
        FromCache = fromCache;
        _context = context;
        _factory = factory;
    }

    public string Path { get; }

    /// <summary>The query's default name: the file name without its extension.</summary>
    public string Name => System.IO.Path.GetFileNameWithoutExtension(Path);

    /// <summary>The content hash of the sources (and engine build) the image was compiled from.</summary>
    public string Hash { get; }

    /// <summary>The script's compiled assembly (tests watch it being unloaded).</summary>
    internal Assembly Assembly => _factory.DeclaringType!.Assembly;

    /// <summary>The hash of the source texts: the query's version (<see cref="QueryOptions.Version"/>).</summary>
    public string SourceHash { get; }

    /// <summary>True when the image came from the compile cache instead of the compiler.</summary>
    public bool FromCache { get; }

    /// <summary>Settings of every query, a section per query name; the script sees its own section as <c>Config</c>. Set before running.</summary>
    public IConfiguration? Settings { get; set; }

    /// <summary>Reads and compiles the script at <paramref name="path"/>, or takes its image from <paramref name="cacheDirectory"/>.</summary>
    /// <exception cref="QueryCompilationException">The script has errors (all of them are listed).</exception>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static QueryScript Load(string path, string? cacheDirectory = null)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"no query script at {full}", full);
        }
        var (compilation, hash, sourceHash) = ScriptCompiler.Prepare(full);
        string? cached = cacheDirectory is null ? null : System.IO.Path.Combine(cacheDirectory, hash + ".dll");
        byte[] image;
        bool fromCache = cached is not null && File.Exists(cached);
        if (fromCache)
        {
            image = File.ReadAllBytes(cached!);
        }
        else
        {
            image = ScriptCompiler.Emit(full, compilation);
            if (cached is not null)
            {
                Directory.CreateDirectory(cacheDirectory!);
                string temporary = cached + $".{Environment.ProcessId}.tmp";
                File.WriteAllBytes(temporary, image);
                File.Move(temporary, cached, overwrite: true); // whole or absent, even with two compilers racing
            }
        }
        var context = new AssemblyLoadContext($"query {System.IO.Path.GetFileName(full)} {hash[..12]}", isCollectible: true);
        var assembly = context.LoadFromStream(new MemoryStream(image));
        // Roslyn compiles a script into a class per submission with a static factory taking the
        // submission array: [0] the globals, [1] the slot of this submission's instance.
        var factory = assembly.GetTypes().Single(t => t.Name == "Submission#0").GetMethod("<Factory>", BindingFlags.Public | BindingFlags.Static)
            ?? throw new InvalidOperationException($"{full}: the compiled script has no entry point");
        return new QueryScript(full, hash, sourceHash, fromCache, context, factory);
    }

    /// <summary>The query definition: runs the script for a task, building the task's graph.</summary>
    public void Define(QueryContext context)
    {
        try
        {
            var run = (Task<object>)_factory.Invoke(null, [new object?[] { new QueryGlobals(context, Settings), null }])!;
            run.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            throw new InvalidOperationException($"query script {Path} threw while building task {context.Partition}: {cause.Message}", cause);
        }
    }

    /// <summary>Unloads the script's code (it goes once no graph built from it is referenced any more).</summary>
    public void Dispose() => _context.Unload();
}
