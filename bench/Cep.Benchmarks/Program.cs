using Cep.Benchmarks;

// Usage: dotnet run -c Release --project bench/Cep.Benchmarks -- SCENARIO [--quick]
// The last line printed is one JSON object; an unknown scenario lists the known ones and exits 2.
IScenario[] scenarios =
[
    new LogAppendScenario(), new LogAppendDurableScenario(), new LogReadScenario(), new WindowCountScenario(),
    new Cep.Benchmarks.Patterns.PatternSeq3Scenario(), new Cep.Benchmarks.Patterns.PatternLoopScenario(), new Cep.Benchmarks.Patterns.PatternStateScenario(),
    new Cep.Benchmarks.Nexmark.NexmarkScenario("q0"), new Cep.Benchmarks.Nexmark.NexmarkScenario("q1"), new Cep.Benchmarks.Nexmark.NexmarkScenario("q2"),
    new Cep.Benchmarks.Nexmark.NexmarkScenario("q3"), new Cep.Benchmarks.Nexmark.NexmarkScenario("q5"),
    new Cep.Benchmarks.Nexmark.NexmarkScenario("q7"), new Cep.Benchmarks.Nexmark.NexmarkScenario("q8"),
    new Cep.Benchmarks.State.CheckpointScenario(), new Cep.Benchmarks.State.StateStoreScenario(),
    new Cep.Benchmarks.State.CheckpointGraphScenario(checkpointed: true), new Cep.Benchmarks.State.CheckpointGraphScenario(checkpointed: false),
    new Cep.Benchmarks.Query.ScriptCompileScenario(), new Cep.Benchmarks.Query.EndToEndLatencyScenario(),
    new Cep.Benchmarks.Nexmark.ScaleScenario(),
    new Cep.Benchmarks.Broker.KafkaProduceScenario(), new Cep.Benchmarks.Broker.KafkaConsumeScenario(), new Cep.Benchmarks.Broker.RebalanceScenario(),
    new Cep.Benchmarks.Query.FailoverScenario(),
    new Cep.Benchmarks.Broker.ReplicatedProduceScenario(), new Cep.Benchmarks.Broker.FailoverTimeScenario(),
];

bool quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToList();
var scenario = rest.Count == 1 ? scenarios.FirstOrDefault(s => s.Name == rest[0]) : null;
if (scenario is null)
{
    Console.Error.WriteLine(rest.Count == 1 ? $"unknown scenario '{rest[0]}'" : "usage: Cep.Benchmarks SCENARIO [--quick]");
    Console.Error.WriteLine("scenarios:");
    foreach (var s in scenarios)
    {
        Console.Error.WriteLine($"  {s.Name,-20} {s.Description}");
    }
    return 2;
}

var result = await scenario.RunAsync(quick);
ReportWriter.Write(result, quick, Console.Out);
return 0;
