namespace Cep.Cli.Commands;

/// <summary>A failure the user can act on (a daemon's refusal, an unreachable server): printed as one line, exit code 1.</summary>
internal sealed class CommandException(string message) : Exception(message);
