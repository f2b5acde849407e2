namespace Cep.IntegrationTests;

/// <summary>The examples a newcomer runs first, run the way the README says, with their documented output.</summary>
public sealed class ExampleTests
{
    private static string Repository
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Cep.sln")))
            {
                directory = directory.Parent;
            }
            return directory?.FullName ?? throw new InvalidOperationException($"no Cep.sln above {AppContext.BaseDirectory}");
        }
    }

    [Fact]
    public async Task The_card_fraud_example_alerts_on_a_tiny_payment_followed_by_a_large_one_within_ten_minutes()
    {
        using var data = new TempDirectory();
        var run = await CepProcess.RunAsync(data.Path, "run", Path.Combine(Repository, "examples", "fraud.csx"),
            "--input", $"payments={Path.Combine(Repository, "examples", "data", "payments.jsonl")}", "--exit-when-caught-up");
        Assert.True(run.ExitCode == 0, run.Stderr);
        // 0004: 11 minutes apart; 0005: large first; 0006: the large one is earlier in event time though it arrives later.
        Assert.Equal(
            [
                "alerts\tcard 4000-0002: 1.00 at 09:00:10, then 740.00 at 09:03:40",
                "alerts\tcard 4000-0007: 1.20 at 09:17:00, then 880.00 at 09:21:30",
            ],
            run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("appended 16 records", run.Stderr);
    }

    [Fact]
    public async Task A_script_that_does_not_compile_is_refused_with_file_line_and_column()
    {
        using var data = new TempDirectory();
        string script = data.Combine("broken.csx");
        File.WriteAllText(script, "Topic(\"t\", Serde.Utf8String)\n    .Selec(v => v);\n");
        var run = await CepProcess.RunAsync(data.Path, "run", script);
        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"{script}(2,6): error CS1061: 'Stream<string>' does not contain a definition for 'Selec'", run.Stderr);
        Assert.Contains("does not compile (1 error(s)); nothing was run", run.Stderr);
    }
}
