using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Cep.KafkaMember;
using Confluent.Kafka;

namespace Cep.IntegrationTests;

/// <summary>
/// Real Kafka clients against <c>cep daemon --kafka</c>: kafkajs under node, Confluent.Kafka
/// (librdkafka) in this process and in member processes the test kills.
/// </summary>
public sealed class KafkaCompatibilityTests
{
    [Fact]
    public async Task Kafkajs_produces_consumes_in_a_group_and_commits_its_offsets()
    {
        using var data = new TempDirectory();
        using var daemon = await DaemonProcess.StartAsync(data.Path);
        var partitions = new Dictionary<string, string> { ["PARTITIONS"] = "3" };
        var produced = await NodeProcess.RunAsync(daemon.KafkaAddress, partitions, "produce.js", "js-events", "200");
        Assert.True(produced.ExitCode == 0, produced.Stderr);
        Assert.Equal("produced 200\n", produced.Stdout);

        var consumed = await NodeProcess.RunAsync(daemon.KafkaAddress, null, "consume.js", "js-events", "js-group", "200");
        Assert.True(consumed.ExitCode == 0, consumed.Stderr);
        var messages = consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"value-{i}").Order(), messages.Select(m => m.GetProperty("value").GetString()!).Order());
        Assert.All(messages, m =>
        {
            Assert.Equal(m.GetProperty("value").GetString()!.Replace("value", "key"), m.GetProperty("key").GetString());
            Assert.Equal("kafkajs", m.GetProperty("headers").GetProperty("source").GetString());
        });
        Assert.Equal(3, messages.Select(m => m.GetProperty("partition").GetInt32()).Distinct().Count());

        var offsets = await NodeProcess.RunAsync(daemon.KafkaAddress, null, "offsets.js", "js-events", "js-group");
        Assert.True(offsets.ExitCode == 0, offsets.Stderr);
        var committed = offsets.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(3, committed.Count);
        Assert.Equal(200, committed.Sum(c => long.Parse(c.GetProperty("offset").GetString()!)));
        // The same group through the admin API of the daemon (the broker's coordinator).
        Assert.Contains("js-group", await daemon.Http.GetStringAsync("/groups"));
    }

    [Fact]
    public async Task Records_produced_by_either_client_are_consumed_intact_by_the_other()
    {
        using var data = new TempDirectory();
        using var daemon = await DaemonProcess.StartAsync(data.Path);

        // kafkajs → Confluent.Kafka
        var produced = await NodeProcess.RunAsync(daemon.KafkaAddress, null, "produce.js", "from-js", "50");
        Assert.True(produced.ExitCode == 0, produced.Stderr);
        var fromJs = ConsumeAll(daemon.KafkaAddress, "from-js", 50);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => ($"key-{i}", $"value-{i}", "kafkajs")), fromJs.Select(m => (m.Message.Key, m.Message.Value, Encoding.UTF8.GetString(m.Message.Headers.GetLastBytes("source")))));
        Assert.All(fromJs, m => Assert.True(Math.Abs(m.Message.Timestamp.UnixTimestampMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) < 600_000));

        // Confluent.Kafka → kafkajs
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = daemon.KafkaAddress, EnableIdempotence = true }).Build())
        {
            for (int i = 0; i < 50; i++)
            {
                producer.Produce("from-dotnet", new Message<string, string>
                {
                    Key = $"k{i}",
                    Value = $"v{i}",
                    Timestamp = new Timestamp(1_700_000_000_000 + i, TimestampType.CreateTime),
                    Headers = new Headers { { "source", Encoding.UTF8.GetBytes("dotnet") } },
                });
            }
            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }
        var consumed = await NodeProcess.RunAsync(daemon.KafkaAddress, null, "consume.js", "from-dotnet", "js-reader", "50");
        Assert.True(consumed.ExitCode == 0, consumed.Stderr);
        var messages = consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(
            Enumerable.Range(0, 50).Select(i => ($"k{i}", $"v{i}", "dotnet", (1_700_000_000_000 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))),
            messages.Select(m => (m.GetProperty("key").GetString()!, m.GetProperty("value").GetString()!, m.GetProperty("headers").GetProperty("source").GetString()!, m.GetProperty("timestamp").GetString()!)));
    }

    [Fact]
    public async Task A_killed_member_of_a_group_of_three_loses_its_partitions_to_the_others_within_the_session_timeout()
    {
        using var data = new TempDirectory();
        using var daemon = await DaemonProcess.StartAsync(data.Path);
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "create", "work", "--partitions", "6")).ExitCode);
        var members = Enumerable.Range(0, 3).Select(i => MemberProcess.Start(daemon.KafkaAddress, "work", "workers", $"member-{i}", 6000)).ToList();
        try
        {
            await Until(() => members.All(m => m.Assigned.Count == 2) && members.SelectMany(m => m.Assigned).Distinct().Count() == 6, TimeSpan.FromSeconds(60));

            members[2].Kill(); // no LeaveGroup: the coordinator must notice the silence
            var killed = Stopwatch.StartNew();
            var survivors = members.Take(2).ToList();
            await Until(() => survivors.All(m => m.Assigned.Count == 3) && survivors.SelectMany(m => m.Assigned).Distinct().Count() == 6, TimeSpan.FromSeconds(60));
            // Session timeout 6 s, then one rebalance (the survivors rejoin on their next heartbeat).
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(20), $"the partitions moved after {killed.Elapsed.TotalSeconds:F1} s");

            using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = daemon.KafkaAddress }).Build())
            {
                for (int i = 0; i < 60; i++)
                {
                    producer.Produce("work", new Message<string, string> { Key = $"job-{i}", Value = $"job {i}" });
                }
                Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
            }
            await Until(() => survivors.Sum(m => m.Values.Count) >= 60, TimeSpan.FromSeconds(60));
            Assert.Equal(Enumerable.Range(0, 60).Select(i => $"job {i}").Order(), survivors.SelectMany(m => m.Values).Order());
        }
        finally
        {
            foreach (var member in members)
            {
                member.Dispose();
            }
        }
    }

    [Fact]
    public async Task Cep_run_reads_and_writes_a_kafka_cluster_through_the_protocol_with_bootstrap_servers()
    {
        using var data = new TempDirectory();
        using var daemon = await DaemonProcess.StartAsync(data.Path);
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "create", "words", "--partitions", "2")).ExitCode);
        Assert.Equal(0, (await CepProcess.RunWithInputAsync(data.Path, "alpha\nbeta\ngamma\n", "produce", "words")).ExitCode);
        string script = data.Combine("shout.csx");
        await File.WriteAllTextAsync(script, "Topic(\"words\", Serde.Utf8String).Select(w => w.ToUpperInvariant() + \"!\").To(\"shouts\", Serde.Utf8String);\n");

        // Another data directory for the run's own state: the daemon's cluster is reached only through --bootstrap-servers.
        using var elsewhere = new TempDirectory();
        var run = await CepProcess.RunAsync(elsewhere.Path, "run", script, "--bootstrap-servers", daemon.KafkaAddress, "--exit-when-caught-up");
        Assert.True(run.ExitCode == 0, run.Stderr);
        Assert.Equal(["shouts\tALPHA!", "shouts\tBETA!", "shouts\tGAMMA!"], run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        var consumed = await CepProcess.RunAsync(data.Path, "consume", "shouts");
        Assert.Equal(["ALPHA!", "BETA!", "GAMMA!"], consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        var refused = await CepProcess.RunAsync(elsewhere.Path, "run", script, "--bootstrap-servers", daemon.KafkaAddress, "--input", $"words={script}");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("with --bootstrap-servers produce to the cluster instead", refused.Stderr);
    }

    [Fact]
    public async Task Two_cep_runs_on_a_cluster_share_the_query_as_one_consumer_group()
    {
        using var data = new TempDirectory();
        using var daemon = await DaemonProcess.StartAsync(data.Path);
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "create", "words", "--partitions", "2")).ExitCode);
        string script = data.Combine("shout.csx");
        await File.WriteAllTextAsync(script, "Topic(\"words\", Serde.Utf8String).Select(w => w.ToUpperInvariant() + \"!\").To(\"shouts\", Serde.Utf8String);\n");
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        using var runA = StartRun(first.Path, script, daemon.KafkaAddress);
        await runA.WaitForAsync(@"runs tasks \[0, 1\]");
        using var runB = StartRun(second.Path, script, daemon.KafkaAddress);
        await runB.WaitForAsync(@"runs tasks \[[01]\] \(started \[[01]\]");
        await runA.WaitForAsync(@"runs tasks \[[01]\] \(started \[\], released \[[01]\]\)");

        Assert.Equal(0, (await CepProcess.RunWithInputAsync(data.Path, "alpha\nbeta\ngamma\ndelta\n", "produce", "words")).ExitCode);
        await DaemonProcess.Eventually(async () => (await CepProcess.RunAsync(data.Path, "consume", "shouts")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 4);
        Assert.Equal(130, await runA.StopAsync()); // stopped by a signal (each task checkpointed, then it left the group)
        Assert.Equal(130, await runB.StopAsync());
        var consumed = await CepProcess.RunAsync(data.Path, "consume", "shouts");
        Assert.Equal(["ALPHA!", "BETA!", "DELTA!", "GAMMA!"], consumed.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    private static RunProcess StartRun(string data, string script, string servers) =>
        new(System.Diagnostics.Process.Start(CepProcess.StartInfo(data, "run", script, "--bootstrap-servers", servers, "--quiet", "--checkpoint-interval", "0.2"))!);

    /// <summary>A <c>cep run</c> in the background, its log collected line by line.</summary>
    private sealed class RunProcess : IDisposable
    {
        private readonly System.Diagnostics.Process _process;
        private readonly System.Text.StringBuilder _log = new();
        private readonly Task _reading;

        public RunProcess(System.Diagnostics.Process process)
        {
            _process = process;
            _reading = Task.Run(async () =>
            {
                while (await process.StandardError.ReadLineAsync() is { } line)
                {
                    lock (_log)
                    {
                        _log.AppendLine(line);
                    }
                }
            });
        }

        public string Log
        {
            get
            {
                lock (_log)
                {
                    return _log.ToString();
                }
            }
        }

        public async Task WaitForAsync(string pattern)
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (!System.Text.RegularExpressions.Regex.IsMatch(Log, pattern))
            {
                Assert.True(DateTime.UtcNow < deadline, $"no /{pattern}/ within 60 s in:\n{Log}");
                await Task.Delay(50);
            }
        }

        /// <summary>SIGTERM; the exit code.</summary>
        public async Task<int> StopAsync()
        {
            using (var term = System.Diagnostics.Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            await _process.WaitForExitAsync();
            await _reading;
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.Dispose();
        }
    }

    private static List<ConsumeResult<string, string>> ConsumeAll(string brokers, string topic, int count)
    {
        var config = new ConsumerConfig { BootstrapServers = brokers, GroupId = $"reader-{topic}", AutoOffsetReset = AutoOffsetReset.Earliest };
        using var consumer = new ConsumerBuilder<string, string>(config).Build();
        consumer.Subscribe(topic);
        var results = new List<ConsumeResult<string, string>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (results.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { } result)
            {
                results.Add(result);
            }
        }
        consumer.Close();
        return results;
    }

    private static async Task Until(Func<bool> condition, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {limit.TotalSeconds} s");
            await Task.Delay(100);
        }
    }
}
