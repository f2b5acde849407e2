namespace Cep.Benchmarks;

/// <summary>One named throughput measurement the harness can run from the command line.</summary>
internal interface IScenario
{
    /// <summary>The command-line name, e.g. <c>log-append</c>.</summary>
    string Name { get; }

    /// <summary>One line for the scenario list printed on an unknown name.</summary>
    string Description { get; }

    /// <summary>Runs ours and the peer (if any) in this process; <paramref name="quick"/> keeps the whole run under a minute.</summary>
    Task<ScenarioResult> RunAsync(bool quick);
}
