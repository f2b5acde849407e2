using System.Text;

namespace Cep.Cli.Commands;

/// <summary>
/// Lines to a topic through a daemon: sent in chunks (about 1 MB or 10,000 lines) to
/// <c>POST /topics/{topic}/records</c>, which appends them like <c>cep produce</c> on the data
/// directory would. A chunk the daemon stops in keeps the lines before the bad one; the error
/// (with the line number) comes back as a <see cref="CommandException"/>. Owned by one producer.
/// </summary>
internal sealed class RemoteLineSink(DaemonClient client, string topic, string? separator, int? partition) : ILineSink
{
    private const int ChunkBytes = 1 << 20;
    private const int ChunkLines = 10_000;

    private readonly StringBuilder _chunk = new();
    private int _lines;
    private long _firstLine = 1;

    public long Acknowledged { get; private set; }

    public async ValueTask AddAsync(string line, long lineNumber)
    {
        if (_lines == 0)
        {
            _firstLine = lineNumber;
        }
        _chunk.Append(line).Append('\n');
        if (++_lines >= ChunkLines || _chunk.Length >= ChunkBytes)
        {
            await SendAsync();
        }
    }

    public async Task CompleteAsync()
    {
        if (_lines > 0)
        {
            await SendAsync();
        }
    }

    private async Task SendAsync()
    {
        string query = $"/topics/{DaemonClient.Escape(topic)}/records?firstLine={_firstLine}"
            + (separator is null ? "" : $"&keySeparator={DaemonClient.Escape(separator)}")
            + (partition is int p ? $"&partition={p}" : "");
        string text = _chunk.ToString();
        _chunk.Clear();
        _lines = 0;
        var answer = await client.PostTextAsync(query, text, CancellationToken.None);
        Acknowledged += answer.GetProperty("appended").GetInt64();
        if (answer.TryGetProperty("error", out var error) && error.GetString() is { } message)
        {
            throw new CommandException(message);
        }
    }
}
