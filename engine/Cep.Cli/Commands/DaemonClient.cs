using System.Net.Http.Json;
using System.Text.Json;

namespace Cep.Cli.Commands;

/// <summary>
/// The admin API of a running daemon as the verbs use it: JSON in and out, a refusal turned
/// into a <see cref="CommandException"/> with the daemon's own message, an unreachable daemon
/// into one naming the address.
/// </summary>
internal sealed class DaemonClient(string server) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = new Uri(server), Timeout = TimeSpan.FromMinutes(5) };

    public string Server => server;

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body is null ? null : JsonContent.Create(body), ct);

    public Task<JsonElement> PostTextAsync(string path, string text, CancellationToken ct) =>
        SendAsync(HttpMethod.Post, path, new StringContent(text, System.Text.Encoding.UTF8, "text/plain"), ct);

    public Task<JsonElement> PatchAsync(string path, object body, CancellationToken ct) => SendAsync(HttpMethod.Patch, path, JsonContent.Create(body), ct);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    public static string Escape(string segment) => Uri.EscapeDataString(segment);

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            using var request = new HttpRequestMessage(method, path) { Content = content };
            response = await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new CommandException($"no daemon answers at {server} ({e.Message}); start one with `cep daemon`");
        }
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(ct);
            JsonElement json;
            try
            {
                json = JsonDocument.Parse(body).RootElement.Clone();
            }
            catch (JsonException)
            {
                throw new CommandException($"{server}{path} answered {(int)response.StatusCode} with something other than JSON: {body[..Math.Min(body.Length, 200)]}");
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new CommandException(json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var error) ? error.GetString()! : $"{server}{path} answered {(int)response.StatusCode}");
            }
            return json;
        }
    }
}
