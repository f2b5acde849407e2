using System.CommandLine;
using Cep.Query;

namespace Cep.Cli.Commands;

/// <summary>
/// <c>--from-beginning</c>, <c>--from-offset N</c>, <c>--from-time ISO</c>, <c>--from-latest</c>:
/// where a query starts over, dropping its state (at most one of them; none: resume from the
/// checkpoint). Shared by <c>cep run</c> and <c>cep query deploy</c>.
/// </summary>
internal sealed class StartOptions
{
    private readonly Option<bool> _beginning = new("--from-beginning") { Description = "Drop the query's state and start at the beginning of every input" };
    private readonly Option<long?> _offset = new("--from-offset") { Description = "Drop the query's state and start every input at this offset" };
    private readonly Option<string?> _time = new("--from-time") { Description = "Drop the query's state and start at the first record at or after this ISO 8601 time" };
    private readonly Option<bool> _latest = new("--from-latest") { Description = "Drop the query's state and start at the end of every input" };

    public StartOptions(Command command)
    {
        command.Options.Add(_beginning);
        command.Options.Add(_offset);
        command.Options.Add(_time);
        command.Options.Add(_latest);
        command.Validators.Add(result =>
        {
            if ((result.GetValue(_beginning) ? 1 : 0) + (result.GetValue(_latest) ? 1 : 0) + (result.GetValue(_offset) is null ? 0 : 1) + (result.GetValue(_time) is null ? 0 : 1) > 1)
            {
                result.AddError("give at most one of --from-beginning, --from-offset, --from-time and --from-latest");
            }
        });
    }

    /// <summary>The position given, in <see cref="StartPosition"/>'s text form; null when none was.</summary>
    public string? Text(ParseResult parse) =>
        parse.GetValue(_beginning) ? "beginning"
        : parse.GetValue(_latest) ? "latest"
        : parse.GetValue(_offset) is { } offset ? $"offset:{offset}"
        : parse.GetValue(_time) is { } time ? $"time:{time}"
        : null;
}
