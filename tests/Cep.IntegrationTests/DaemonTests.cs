using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Cep.IntegrationTests;

/// <summary><c>cep daemon</c> as a real process: scripts deployed from a folder, the admin API through a real HttpClient, a graceful stop, a restart.</summary>
public sealed class DaemonTests
{
    [Fact]
    public async Task A_daemon_runs_its_folders_and_its_catalogs_queries_serves_the_api_stops_gracefully_and_resumes_without_duplicates()
    {
        using var data = new TempDirectory();
        string folder = data.Combine("queries");
        Directory.CreateDirectory(folder);
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "create", "payments")).ExitCode);
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "produce", "payments", "--file", RepositoryFiles.Combine("examples", "data", "payments.jsonl"))).ExitCode);
        File.Copy(RepositoryFiles.Combine("examples", "fraud.csx"), Path.Combine(folder, "fraud.csx"));
        // A second query deployed through the API from outside the folder: the catalog brings it back.
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "topics", "create", "ticks")).ExitCode);
        Assert.Equal(0, (await CepProcess.RunAsync(data.Path, "produce", "ticks", "--file", RepositoryFiles.Combine("examples", "data", "ticks.jsonl"))).ExitCode);
        string elsewhere = data.Combine("v-shape.csx");
        File.Copy(RepositoryFiles.Combine("examples", "v-shape.csx"), elsewhere);
        string[] alerts =
        [
            "card 4000-0002: 1.00 at 09:00:10, then 740.00 at 09:03:40",
            "card 4000-0007: 1.20 at 09:17:00, then 880.00 at 09:21:30",
        ];

        for (int run = 0; run < 2; run++)
        {
            using var daemon = await DaemonProcess.StartAsync(data.Path, "--queries", folder);
            var http = daemon.Http;
            string server = daemon.Address;
            // Both alerts are there — after the restart too, and not twice.
            await DaemonProcess.Eventually(async () => (await Values(http, "alerts")).Count == alerts.Length);
            Assert.Equal(alerts, await Values(http, "alerts"));
            var fraud = await http.GetFromJsonAsync<JsonElement>("/queries/fraud");
            Assert.Equal("running", fraud.GetProperty("state").GetString());

            if (run == 0)
            {
                var deployed = await http.PostAsJsonAsync("/queries", new { path = elsewhere });
                Assert.Equal(HttpStatusCode.OK, deployed.StatusCode);
            }
            await DaemonProcess.Eventually(async () => (await Values(http, "v-shapes")).Count == 1);
            Assert.Equal(["ACME: 100.0 down to 97.0 and back up to 101.0 at 14:03"], await Values(http, "v-shapes"));
            Assert.Equal("running", (await http.GetFromJsonAsync<JsonElement>("/queries/v-shape")).GetProperty("state").GetString());

            if (run == 0)
            {
                var rejected = await http.PostAsJsonAsync("/queries", new { path = data.Combine("missing.csx") });
                Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
                Assert.Contains("no query script at", await rejected.Content.ReadAsStringAsync());
                Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/queries/nope")).StatusCode);
                // The same through the command line.
                var listed = await CepProcess.RunAsync(data.Path, "query", "list", "--server", server, "--output", "json");
                Assert.Equal(0, listed.ExitCode);
                Assert.Contains("\"name\":\"fraud\",", listed.Stdout);
                Assert.Contains("\"state\":\"running\"", listed.Stdout);
                var refused = await CepProcess.RunAsync(data.Path, "query", "deploy", data.Combine("missing.csx"), "--server", server);
                Assert.Equal(1, refused.ExitCode);
                Assert.StartsWith("error: no query script at", refused.Stderr);
                // A redeployment from the latest offsets drops the query's state and writes nothing old again.
                var latest = await CepProcess.RunAsync(data.Path, "query", "deploy", elsewhere, "--from-latest", "--server", server, "--output", "json");
                Assert.True(latest.ExitCode == 0, latest.Stderr);
                Assert.Contains("\"state\":\"running\"", latest.Stdout);
                var conflicting = await CepProcess.RunAsync(data.Path, "query", "deploy", elsewhere, "--from-latest", "--from-beginning");
                Assert.Equal(1, conflicting.ExitCode);
                Assert.Contains("give at most one of --from-beginning, --from-offset, --from-time and --from-latest", conflicting.Stderr);
                string metrics = await http.GetStringAsync("/metrics");
                Assert.Contains("cep_task_records_total{query=\"fraud\"} 16", metrics);
                Assert.Contains("cep_pattern_matches_total{pattern=\"test use\"} 2", metrics);
            }

            var (exitCode, _, log) = await daemon.StopAsync();
            Assert.True(exitCode == 0, log);
            Assert.Contains("Stopping: every query checkpoints", log);
            Assert.Contains(run == 0 ? "running from the start" : "running from checkpoint", log);
        }
    }

    private static async Task<List<string>> Values(HttpClient http, string topic)
    {
        var response = await http.GetAsync($"/topics/{topic}/records");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }
        var records = await response.Content.ReadFromJsonAsync<JsonElement>();
        return records.EnumerateArray().Select(r => r.GetProperty("value").GetString()!).ToList();
    }
}
