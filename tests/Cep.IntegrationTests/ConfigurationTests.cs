using System.Diagnostics;

namespace Cep.IntegrationTests;

/// <summary>Settings from cep.json, CEP_* variables and flags, in that order of precedence rising; unknown keys are errors.</summary>
public sealed class ConfigurationTests
{
    private const string LimitScript = """
        // Prints the numbers up to the "max" setting.
        var max = Config.GetValue("max", 100);
        Topic("numbers", Serde.Utf8String).Where(n => int.Parse(n) <= max).ToConsole();
        """;

    [Fact]
    public async Task A_flag_beats_the_environment_which_beats_cep_json()
    {
        using var root = new TempDirectory();
        string a = root.Combine("a"), b = root.Combine("b"), c = root.Combine("c");
        foreach (var (data, topic) in new[] { (a, "in-a"), (b, "in-b"), (c, "in-c") })
        {
            Assert.Equal(0, (await CepProcess.RunAsync(data, "topics", "create", topic)).ExitCode);
        }
        await File.WriteAllTextAsync(root.Combine("cep.json"), $$"""
            {
              // comments are allowed
              "data": "{{a}}",
              "output": "json",
              "settings": { "limit": { "max": 3 } }
            }
            """);

        Assert.Equal("[{\"name\":\"in-a\"", (await Cep(root, [], "topics", "list")).Stdout[..15]);
        Assert.Equal("in-b\n", (await Cep(root, [("CEP_DATA", b), ("CEP_OUTPUT", "table")], "topics", "list")).Stdout);
        Assert.Equal("in-c\n", (await Cep(root, [("CEP_DATA", b)], "topics", "list", "--data", c, "--output", "table")).Stdout);
        // Another file, named by the flag.
        await File.WriteAllTextAsync(root.Combine("other.json"), $$"""{ "data": "{{c}}" }""");
        Assert.Equal("in-c\n", (await Cep(root, [], "topics", "list", "--config-file", root.Combine("other.json"))).Stdout);

        // Script settings: cep.json, then CEP_SETTINGS__<query>__<key>, then --set.
        Assert.Equal(0, (await CepProcess.RunAsync(a, "topics", "create", "numbers")).ExitCode);
        Assert.Equal(0, (await CepProcess.RunWithInputAsync(a, "1\n2\n3\n4\n5\n", "produce", "numbers")).ExitCode);
        string script = root.Combine("limit.csx");
        await File.WriteAllTextAsync(script, LimitScript);
        string[] run = ["run", script, "--exit-when-caught-up", "--quiet"];
        Assert.Equal("1\n2\n3\n", (await Cep(root, [], [.. run, "--state", root.Combine("s1")])).Stdout);
        Assert.Equal("1\n2\n", (await Cep(root, [("CEP_SETTINGS__limit__max", "2")], [.. run, "--state", root.Combine("s2")])).Stdout);
        Assert.Equal("1\n", (await Cep(root, [("CEP_SETTINGS__limit__max", "2")], [.. run, "--state", root.Combine("s3"), "--set", "max=1"])).Stdout);

        // A run resumes from its checkpoint (nothing new: nothing printed) unless told where to start over.
        Assert.Equal("", (await Cep(root, [], [.. run, "--state", root.Combine("s1")])).Stdout);
        Assert.Equal("1\n2\n3\n", (await Cep(root, [], [.. run, "--state", root.Combine("s1"), "--from-beginning"])).Stdout);
        Assert.Equal("3\n", (await Cep(root, [], [.. run, "--state", root.Combine("s1"), "--from-offset", "2"])).Stdout);
        var twoStarts = await Cep(root, [], [.. run, "--from-offset", "2", "--from-latest"]);
        Assert.Equal(1, twoStarts.ExitCode);
        Assert.Contains("give at most one of --from-beginning, --from-offset, --from-time and --from-latest", twoStarts.Stderr);
    }

    [Fact]
    public async Task Unknown_keys_and_bad_values_are_named_and_refused()
    {
        using var root = new TempDirectory();
        await File.WriteAllTextAsync(root.Combine("cep.json"), """{ "dta": "somewhere" }""");
        var unknownKey = await Cep(root, [], "topics", "list");
        Assert.Equal(2, unknownKey.ExitCode);
        Assert.Equal("error: cep.json: unknown key 'dta'; known: data, server, output, http, kafka, kafka-max-connections, kafka-max-request-bytes, queries, checkpoint-interval, workers, join, node-id, controllers, replication-factor, broker-session-timeout, changelog, standby-replicas, session-timeout, settings\n", unknownKey.Stderr);

        await File.WriteAllTextAsync(root.Combine("cep.json"), "{ \"data\": \"x\",\n  \"server\": }");
        var broken = await Cep(root, [], "topics", "list");
        Assert.Equal(2, broken.ExitCode);
        Assert.StartsWith("error: cep.json:2:13: not valid JSON", broken.Stderr);

        File.Delete(root.Combine("cep.json"));
        var unknownVariable = await Cep(root, [("CEP_DAT", "x")], "topics", "list");
        Assert.Equal(2, unknownVariable.ExitCode);
        Assert.StartsWith("error: environment variable CEP_DAT: unknown setting; known: CEP_DATA, CEP_SERVER,", unknownVariable.Stderr);

        var badValue = await Cep(root, [("CEP_DATA", root.Combine("d")), ("CEP_CHECKPOINT_INTERVAL", "soon")], "run", root.Combine("none.csx"));
        Assert.NotEqual(0, badValue.ExitCode);
        Assert.Contains("setting 'checkpoint-interval' (CEP_CHECKPOINT_INTERVAL or cep.json): 'soon' is not a valid Double", badValue.Stderr);

        var standbysWithoutChangelog = await Cep(root, [("CEP_DATA", root.Combine("d")), ("CEP_CHANGELOG", "false")], "daemon", "--kafka", "off", "--standby-replicas", "1");
        Assert.Equal(1, standbysWithoutChangelog.ExitCode);
        Assert.Contains("--standby-replicas needs the changelog (standbys follow it): drop --changelog false", standbysWithoutChangelog.Stderr);

        var unknownFlag = await Cep(root, [("CEP_DATA", root.Combine("d"))], "topics", "list", "--colour");
        Assert.NotEqual(0, unknownFlag.ExitCode);
        Assert.Contains("Unrecognized command or argument '--colour'", unknownFlag.Stderr);
    }

    /// <summary>Runs cep in <paramref name="directory"/> with no CEP_DATA but <paramref name="environment"/>.</summary>
    private static Task<(int ExitCode, string Stdout, string Stderr)> Cep(TempDirectory directory, (string Name, string Value)[] environment, params string[] args)
    {
        var info = CepProcess.StartInfo(directory.Path, args);
        info.Environment.Remove("CEP_DATA");
        info.WorkingDirectory = directory.Path;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        return CepProcess.RunAsync(info);
    }
}
