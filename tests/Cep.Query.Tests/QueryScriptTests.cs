using System.Text;
using Cep.Engine.Runtime;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Query.Tests;

public sealed class QueryScriptTests
{
    [Fact]
    public void Compile_errors_name_file_line_and_column_like_dotnet_build()
    {
        using var directory = new TempDirectory();
        string path = directory.Combine("broken.csx");
        File.WriteAllText(path, """
            var orders = Topic("orders", Serde.Utf8String);
            orders.Where(o => o.Length > 2)
                  .Selec(o => o)
                  .To("out", Serde.Utf8String);
            int x = "text";
            """);
        var error = Assert.Throws<QueryCompilationException>(() => QueryScript.Load(path));
        Assert.Equal(2, error.Errors.Count);
        Assert.StartsWith($"{path}(3,8): error CS1061: 'Stream<string>' does not contain a definition for 'Selec'", error.Errors[0]);
        Assert.StartsWith($"{path}(5,9): error CS0029: Cannot implicitly convert type 'string' to 'int'", error.Errors[1]);
        Assert.StartsWith($"{path} does not compile:", error.Message);
    }

    [Fact]
    public async Task A_script_with_its_own_event_type_and_a_loaded_file_runs_per_task_and_writes_its_output()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.Combine("shared.csx"), """
            public sealed record Reading(string Sensor, double Value, long At);
            static bool IsHot(Reading r) => r.Value > 30;
            """);
        string path = directory.Combine("hot-sensors.csx");
        File.WriteAllText(path, """
            #load "shared.csx"
            Topic("readings", Serde.Json<Reading>(), WatermarkStrategy<Reading>.ForMonotonicTimestamps().WithTimestampAssigner(r => r.At))
                .Where(IsHot)
                .Select(r => $"{QueryName}/{Task}: {r.Sensor} {r.Value}")
                .To("alerts", Serde.Utf8String);
            """);
        var script = QueryScript.Load(path);
        Assert.Equal("hot-sensors", script.Name);

        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("readings", 1);
        store.CreateTopic("alerts", 1);
        var batch = new RecordBatchBuilder();
        batch.Add(1, null, Encoding.UTF8.GetBytes("""{"Sensor":"s1","Value":21.5,"At":1}"""));
        batch.Add(2, null, Encoding.UTF8.GetBytes("""{"Sensor":"s2","Value":35,"At":2}"""));
        batch.Add(3, null, Encoding.UTF8.GetBytes("""{"Sensor":"s1","Value":31,"At":3}"""));
        await store.GetPartition("readings", 0).AppendAsync(batch.Build().ToArray());

        await QueryRunner.RunAsync(script.Name, script.Define, new EmbeddedTopicLog(store), new QueryOptions { StopAtEnd = true });

        var alerts = new List<string>();
        foreach (var written in RecordBatch.ReadAll(store.GetPartition("alerts", 0).Read(0, 1 << 20).Records))
        {
            foreach (var record in written)
            {
                alerts.Add(Encoding.UTF8.GetString(record.Value!.Value.Span));
            }
        }
        Assert.Equal(["hot-sensors/0: s2 35", "hot-sensors/0: s1 31"], alerts);
    }

    [Fact]
    public async Task A_script_that_throws_while_building_names_the_script_and_the_task()
    {
        using var directory = new TempDirectory();
        string path = directory.Combine("throws.csx");
        File.WriteAllText(path, """throw new ArgumentException("no such sensor list");""");
        var script = QueryScript.Load(path);
        using var store = TopicStore.Open(directory.Combine("data"));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => QueryRunner.RunAsync(script.Name, script.Define, new EmbeddedTopicLog(store)));
        Assert.Equal($"query script {path} threw while building task 0: no such sensor list", error.Message);
    }

    [Fact]
    public void A_compiled_script_is_cached_by_content_and_a_changed_loaded_file_compiles_again()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.Combine("limits.csx"), "const int Limit = 30;");
        string path = directory.Combine("q.csx");
        File.WriteAllText(path, """
            #load "limits.csx"
            Topic("t", Serde.Utf8String).Where(v => v.Length > Limit).To("out", Serde.Utf8String);
            """);
        string cache = directory.Combine("cache");
        using var first = QueryScript.Load(path, cache);
        using var second = QueryScript.Load(path, cache);
        Assert.False(first.FromCache);
        Assert.True(second.FromCache);
        Assert.Equal(first.Hash, second.Hash);
        Assert.Single(Directory.GetFiles(cache, "*.dll"));

        File.WriteAllText(directory.Combine("limits.csx"), "const int Limit = 40;");
        using var third = QueryScript.Load(path, cache);
        Assert.False(third.FromCache);
        Assert.NotEqual(first.Hash, third.Hash);
    }

    [Fact]
    public async Task A_hundred_load_run_dispose_cycles_unload_every_script_and_memory_stays_flat()
    {
        using var directory = new TempDirectory();
        string path = directory.Combine("upper.csx");
        File.WriteAllText(path, """
            public sealed record Line(string Text);
            Topic("in", Serde.Utf8String).Select(v => new Line(v.ToUpperInvariant())).Select(l => l.Text).To("out", Serde.Utf8String);
            """);
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("in", 1);
        store.CreateTopic("out", 1);
        var batch = new RecordBatchBuilder();
        batch.Add(1, null, Encoding.UTF8.GetBytes("a"));
        await store.GetPartition("in", 0).AppendAsync(batch.Build().ToArray());
        var log = new EmbeddedTopicLog(store);
        string cache = directory.Combine("cache");

        var unloaded = new List<WeakReference>();
        long afterTwenty = 0;
        for (int cycle = 0; cycle < 100; cycle++)
        {
            unloaded.Add(RunOnce(path, cache, log));
            if (cycle == 19)
            {
                afterTwenty = SettledMemory();
            }
        }
        // Eighty more cycles add no lasting managed memory (graphs, state, buffers); that the
        // contexts themselves (code, native memory) go is what the weak references check below.
        long afterHundred = SettledMemory();
        Assert.True(afterHundred - afterTwenty < 8 << 20, $"managed memory grew from {afterTwenty:N0} to {afterHundred:N0} bytes over 80 cycles");
        for (int attempt = 0; attempt < 20 && unloaded.Any(w => w.IsAlive); attempt++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal("", string.Join(",", unloaded.Select((w, i) => w.IsAlive ? i.ToString() : null).Where(i => i is not null)));
        Assert.Equal(100, store.GetPartition("out", 0).LogEndOffset);
    }

    private static long SettledMemory()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference RunOnce(string path, string cache, EmbeddedTopicLog log)
    {
        // Synchronous on purpose: an async method would keep the script in its completed state machine.
        using var script = QueryScript.Load(path, cache);
        QueryRunner.RunAsync(script.Name, script.Define, log, new QueryOptions { StopAtEnd = true }).GetAwaiter().GetResult();
        return new WeakReference(script.Assembly);
    }
}
