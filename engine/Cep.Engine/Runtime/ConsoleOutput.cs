namespace Cep.Engine.Runtime;

/// <summary>
/// Writes a stream's events as lines to the query's console (<see cref="QueryOptions.Console"/>),
/// each iteration's lines in one write so tasks' lines do not interleave mid-line. At least
/// once: lines printed after the last checkpoint are printed again when the query restarts
/// from it. Owned by one task.
/// </summary>
internal sealed class ConsoleOutput<T>(TextWriter console, Func<T, string> format) : LineOutput<T>("ToConsole", format)
{
    public override ValueTask FlushAsync(ITopicLog log)
    {
        if (Lines.Length > 0)
        {
            lock (console)
            {
                console.Write(Lines.ToString());
                console.Flush();
            }
            Lines.Clear();
        }
        return ValueTask.CompletedTask;
    }
}
