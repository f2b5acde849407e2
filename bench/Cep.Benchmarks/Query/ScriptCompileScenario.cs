using System.Diagnostics;
using Cep.Query;

namespace Cep.Benchmarks.Query;

/// <summary>
/// Compiling a typical query script (examples/fraud.csx: a record type, a watermark strategy, a
/// keyed pattern, a select, a sink): the first compile in the process (Roslyn itself still cold),
/// a compile of a changed script once Roslyn is warm, and a load from the compile cache (what a
/// restarted daemon does). Median of 5 for the last two.
/// </summary>
internal sealed class ScriptCompileScenario : IScenario
{
    private const string Script = """
        public sealed record Payment(string Card, decimal Amount, DateTimeOffset At);

        Topic("payments", Serde.Json<Payment>(),
                WatermarkStrategy<Payment>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(30))
                    .WithTimestampAssigner(p => p.At.ToUnixTimeMilliseconds()))
            .KeyBy(p => p.Card)
            .Pattern(Pattern<Payment>.Begin("test").Where(p => p.Amount < 2m)
                .FollowedBy("use").Where(p => p.Amount > 500m)
                .Within(TimeSpan.FromMinutes(10)))
            .Select(m => $"card {m["test"][0].Card}: {m["test"][0].Amount:0.00}, then {m["use"][0].Amount:0.00}")
            .To("alerts", Serde.Utf8String);
        """;

    public string Name => "script-compile";

    public string Description => "compile a typical query script: cold, warm, from the compile cache";

    public Task<ScenarioResult> RunAsync(bool quick)
    {
        using var directory = new TempDirectory("script-compile");
        string cache = Path.Combine(directory.Path, "cache");
        double cold = Compile(directory.Path, 0, cache, expectCached: false);
        var warm = Enumerable.Range(1, 5).Select(i => Compile(directory.Path, i, cache, expectCached: false)).Order().ToList();
        var cached = Enumerable.Range(1, 5).Select(i => Compile(directory.Path, i, cache, expectCached: true)).Order().ToList();
        var metrics = new MetricSet()
            .Add("cold_compile_ms", cold)
            .Add("warm_compile_ms", warm[2])
            .Add("from_cache_ms", cached[2])
            .Add("warm_compile_ms_min", warm[0])
            .Add("from_cache_ms_min", cached[0]);
        return Task.FromResult(new ScenarioResult(
            Name,
            "examples/fraud.csx-like script; cold = first compile in the process; warm = a changed script (median of 5); cache = a load of an image compiled before (median of 5)",
            metrics,
            "from_cache_ms",
            0,
            null,
            ["each measurement includes reading and parsing the script, hashing it, and loading the image into a collectible context (unloaded after)."]));
    }

    /// <summary>Writes variant <paramref name="variant"/> of the script (a comment makes it differ) and loads it; milliseconds.</summary>
    private static double Compile(string directory, int variant, string cache, bool expectCached)
    {
        string path = Path.Combine(directory, $"fraud-{variant}.csx");
        File.WriteAllText(path, $"// variant {variant}\n{Script}");
        var watch = Stopwatch.StartNew();
        using var script = QueryScript.Load(path, cache);
        double ms = watch.Elapsed.TotalMilliseconds;
        if (script.FromCache != expectCached)
        {
            throw new InvalidOperationException($"{path}: expected {(expectCached ? "a cached image" : "a compile")}");
        }
        return ms;
    }
}
