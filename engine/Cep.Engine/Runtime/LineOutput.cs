using System.Text;

namespace Cep.Engine.Runtime;

/// <summary>
/// An output that turns each event into a line with the user's <c>format</c> and keeps the
/// lines of an iteration in <see cref="Lines"/> until <see cref="TaskOutput.FlushAsync"/>
/// writes them somewhere. A throwing format stops the task with the event's origin. Owned by one task.
/// </summary>
internal abstract class LineOutput<T>(string operatorName, Func<T, string> format) : TaskOutput, IObserver<StreamItem<T>>
{
    protected StringBuilder Lines { get; } = new();

    public void OnNext(StreamItem<T> item)
    {
        if (!item.IsEvent || Error is not null)
        {
            return;
        }
        try
        {
            Lines.Append(format(item.Value)).Append('\n');
        }
        catch (Exception e)
        {
            Error = new OperatorException(operatorName, item.Origin, e);
        }
    }

    public void OnError(Exception error) => Error ??= error;

    public void OnCompleted()
    {
    }
}
