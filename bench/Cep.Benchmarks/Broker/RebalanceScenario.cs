using System.Diagnostics;
using Cep.KafkaMember;

namespace Cep.Benchmarks.Broker;

/// <summary>
/// A consumer group of 10 members (Confluent.Kafka, each in a process of its own) over 100
/// partitions: the time for the group to settle (every partition assigned, every member with
/// its share) after the members start, after an 11th joins, and after one is killed (no
/// LeaveGroup: the coordinator notices when its 6 s session runs out).
/// </summary>
internal sealed class RebalanceScenario : IScenario
{
    private const int Partitions = 100;
    private const int SessionTimeoutMs = 6000;

    public string Name => "rebalance";

    public string Description => "group of 10 members over 100 partitions: time to settle at start, after a join, after a kill";

    public async Task<ScenarioResult> RunAsync(bool quick)
    {
        await using var broker = await BenchBroker.StartAsync("rebalance");
        broker.Store.CreateTopic("rebalance", Partitions);
        var members = new List<MemberProcess>();
        try
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < 10; i++)
            {
                members.Add(MemberProcess.Start(broker.BootstrapServers, "rebalance", "bench", $"member-{i}", SessionTimeoutMs));
            }
            await SettledAsync(members);
            double start = watch.Elapsed.TotalMilliseconds;

            watch.Restart();
            members.Add(MemberProcess.Start(broker.BootstrapServers, "rebalance", "bench", "member-10", SessionTimeoutMs));
            await SettledAsync(members);
            double join = watch.Elapsed.TotalMilliseconds;

            members[0].Kill();
            watch.Restart();
            await SettledAsync(members.Skip(1).ToList());
            double kill = watch.Elapsed.TotalMilliseconds;

            var metrics = new MetricSet().Add("settle_after_start_ms", start).Add("settle_after_join_ms", join).Add("settle_after_kill_ms", kill);
            return new ScenarioResult(
                Name,
                $"10 member processes (librdkafka, range assignor, heartbeat 500 ms, session {SessionTimeoutMs} ms), {Partitions} partitions, broker in this process",
                metrics,
                "settle_after_join_ms",
                0,
                null,
                [
                    "settled = every live member's latest assignment is non-empty and together they cover all partitions exactly once; the start time includes starting 10 .NET processes.",
                    "after a kill the session timeout dominates: the coordinator waits for it before the rebalance.",
                ]);
        }
        finally
        {
            foreach (var member in members)
            {
                member.Dispose();
            }
        }
    }

    private static async Task SettledAsync(IReadOnlyList<MemberProcess> members)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            var assigned = members.Select(m => m.Assigned).ToList();
            if (assigned.All(a => a.Count > 0) && assigned.Sum(a => a.Count) == Partitions && assigned.SelectMany(a => a).Distinct().Count() == Partitions)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the group did not settle within 2 minutes");
            }
            await Task.Delay(20);
        }
    }
}
