using System.Text;
using Cep.Engine.Runtime;
using Cep.Engine.Serdes;
using Cep.Storage.Records;
using Cep.Storage.Topics;

namespace Cep.Engine.Tests.Runtime;

/// <summary>Inputs that change under a running query fail it with a message that says what happened.</summary>
public sealed class InputChangeTests
{
    [Fact]
    public async Task An_input_deleted_while_the_query_reads_it_fails_the_query_naming_the_input()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("in", 1);
        store.CreateTopic("out", 1);
        await AppendAsync(store, "in", 0);
        var running = QueryRunner.RunAsync("copy", q => q.Topic("in", Serde.Utf8String).To("out", Serde.Utf8String), new EmbeddedTopicLog(store), new QueryOptions());
        await Until(() => store.GetPartition("out", 0).LogEndOffset == 1);
        store.DeleteTopic("in");
        var failure = await Assert.ThrowsAsync<QueryFailedException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains("input in/0 was deleted while the query was reading it (at offset 1)", failure.Message);
    }

    [Fact]
    public async Task An_input_that_gains_partitions_under_the_query_fails_it_saying_to_deploy_again()
    {
        using var directory = new TempDirectory();
        using var store = TopicStore.Open(directory.Path);
        store.CreateTopic("in", 2);
        store.CreateTopic("out", 2);
        var options = new QueryOptions { InputCheckInterval = TimeSpan.FromMilliseconds(100) };
        var running = QueryRunner.RunAsync("copy", q => q.Topic("in", Serde.Utf8String).To("out", Serde.Utf8String), new EmbeddedTopicLog(store), options);
        await Task.Delay(300);
        store.AddPartitions("in", 4);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => running.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("query 'copy': input 'in' now has 4 partitions; the query runs 2 tasks. Deploy it again (with a start position) to use the new partitions", failure.Message);
    }

    private static async Task AppendAsync(TopicStore store, string topic, int partition)
    {
        var batch = new RecordBatchBuilder();
        batch.AddWithoutKey(1, Encoding.UTF8.GetBytes("x"));
        await store.GetPartition(topic, partition).AppendAsync(batch.Build().ToArray());
    }

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "not within 30 s");
            await Task.Delay(20);
        }
    }
}
