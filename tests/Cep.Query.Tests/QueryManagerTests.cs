using System.Text;
using Cep.Engine.Runtime;
using Cep.Storage.Records;
using Cep.Storage.Topics;
using Microsoft.Extensions.Configuration;

namespace Cep.Query.Tests;

public sealed class QueryManagerTests
{
    [Fact]
    public async Task A_version_with_other_state_fails_saying_so_and_runs_from_a_start_position_without_its_state()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("in", 1);
        var batch = new RecordBatchBuilder();
        foreach (string word in new[] { "a", "bb", "ccc" })
        {
            batch.Add(1000, null, Encoding.UTF8.GetBytes(word));
        }
        await store.GetPartition("in", 0).AppendAsync(batch.Build().ToArray());
        string v1 = directory.Combine("v1.csx"), v2 = directory.Combine("v2.csx");
        File.WriteAllText(v1, """
            Topic("in", Serde.Utf8String).KeyBy(v => "all").Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(1))).Count()
                .Select(r => $"count {r.Value}").To("out", Serde.Utf8String);
            """);
        File.WriteAllText(v2, """
            Topic("in", Serde.Utf8String).KeyBy(v => "all").Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(1))).Average(v => v.Length)
                .Select(r => $"average {r.Value}").To("out", Serde.Utf8String);
            """);
        var options = new QueryOptions { StopAtEnd = true, StateDirectory = directory.Combine("state"), CreateMissingOutputs = true };
        await using var manager = new QueryManager(new EmbeddedTopicLog(store), options, directory.Combine("cache"));

        await manager.DeployAsync(v1, "q");
        Assert.Equal("completed", (await Settled(manager, "q")).State);

        await manager.DeployAsync(v2, "q", replace: true); // its window store holds averages, the checkpoint counts
        var refused = await Settled(manager, "q");
        Assert.Equal("failed", refused.State);
        Assert.Contains("was written by a different version of the query", refused.Error);
        Assert.Contains("Deploy it with a start position", refused.Error);

        await manager.DeployAsync(v2, "q", StartPosition.Beginning, replace: true);
        Assert.Equal("completed", (await Settled(manager, "q")).State);
        var values = new List<string>();
        foreach (var written in RecordBatch.ReadAll(store.GetPartition("out", 0).Read(0, 1 << 20).Records))
        {
            foreach (var record in written)
            {
                values.Add(Encoding.UTF8.GetString(record.Value!.Value.Span));
            }
        }
        Assert.Equal(["count 3", "average 2"], values);
    }

    [Theory]
    [InlineData("beginning", 0L, null)]
    [InlineData("latest", long.MaxValue, null)]
    [InlineData("offset:42", 42L, null)]
    [InlineData("time:2026-11-25T10:00:00Z", null, "2026-11-25T10:00:00Z")]
    public void Start_positions_read_from_their_text_form(string text, long? offset, string? time) =>
        Assert.Equal(new StartPosition(offset, time is null ? null : DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture)), StartPosition.Parse(text));

    [Fact]
    public void A_start_position_that_does_not_parse_says_what_is_expected() =>
        Assert.Equal("start position 'offset:x': expected beginning, latest, offset:N or time:ISO-8601", Assert.Throws<FormatException>(() => StartPosition.Parse("offset:x")).Message);

    [Fact]
    public async Task Deploy_and_stop_cycles_of_a_stateful_query_release_every_native_handle()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("in", 2);
        for (int partition = 0; partition < 2; partition++)
        {
            var batch = new RecordBatchBuilder();
            batch.Add(1000, null, Encoding.UTF8.GetBytes("a"));
            await store.GetPartition("in", partition).AppendAsync(batch.Build().ToArray());
        }
        string path = directory.Combine("counts.csx");
        File.WriteAllText(path, """
            Topic("in", Serde.Utf8String).KeyBy(v => v).Window(TimeWindows.Tumbling(TimeSpan.FromSeconds(1))).Count()
                .Select(r => $"{r.Key} {r.Value}").To("out", Serde.Utf8String);
            """);
        // Each cycle opens and closes two RocksDB instances (one per task), checkpoints them and
        // loads and unloads the script: anything left open would keep files of the state or
        // the compile cache open in this process.
        string state = directory.Combine("state"), cache = directory.Combine("cache");
        var options = new QueryOptions { StopAtEnd = true, StateDirectory = state, CreateMissingOutputs = true };
        await using var manager = new QueryManager(new EmbeddedTopicLog(store), options, cache);
        for (int cycle = 0; cycle < 30; cycle++)
        {
            await manager.DeployAsync(path, "counts", cycle % 2 == 0 ? StartPosition.Beginning : null);
            Assert.Equal("completed", (await Settled(manager, "counts")).State);
            await manager.StopAsync("counts");
            Assert.Equal([], OpenFilesUnder(state, cache));
        }
        Assert.True(Directory.GetFiles(state, "CHECKPOINT", SearchOption.AllDirectories).Length >= 2, "the tasks checkpointed");
    }

    [Fact]
    public async Task A_script_reads_its_settings_and_prints_on_the_query_console()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Combine("data"));
        store.CreateTopic("in", 1);
        var batch = new RecordBatchBuilder();
        foreach (string word in new[] { "a", "bb", "ccc", "dddd" })
        {
            batch.Add(1000, null, Encoding.UTF8.GetBytes(word));
        }
        await store.GetPartition("in", 0).AppendAsync(batch.Build().ToArray());
        string path = directory.Combine("long-words.csx");
        File.WriteAllText(path, """
            int min = Config.GetValue("minLength", 1);
            Topic("in", Serde.Utf8String).Where(w => w.Length >= min).ToConsole(w => $"{QueryName}: {w} ({Config["label"] ?? "no label"})");
            """);
        var settings = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["long-words:minLength"] = "3", ["other:label"] = "not mine" })
            .Build();
        var console = new StringWriter();
        var options = new QueryOptions { StopAtEnd = true, Console = console };
        await using var manager = new QueryManager(new EmbeddedTopicLog(store), options, directory.Combine("cache"), settings: settings);
        await manager.DeployAsync(path);
        Assert.Equal("completed", (await Settled(manager, "long-words")).State);
        Assert.Equal("long-words: ccc (no label)\nlong-words: dddd (no label)\n", console.ToString());
    }

    /// <summary>The files under <paramref name="folders"/> this process has open (Linux: the targets of /proc/self/fd).</summary>
    private static List<string> OpenFilesUnder(params string[] folders) =>
        Directory.GetFiles("/proc/self/fd")
            .Select(LinkTarget)
            .OfType<string>()
            .Where(target => folders.Any(folder => target.StartsWith(folder + "/", StringComparison.Ordinal)))
            .ToList();

    private static string? LinkTarget(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget;
        }
        catch (IOException)
        {
            return null; // closed meanwhile (another test's file)
        }
    }

    private static async Task<QueryStatus> Settled(QueryManager manager, string name)
    {
        for (int i = 0; i < 300 && manager.Get(name)!.State == "running"; i++)
        {
            await Task.Delay(100);
        }
        return manager.Get(name)!;
    }
}
