namespace Cep.Engine.Windows;

/// <summary>When a window aggregate emits.</summary>
public enum EmitMode
{
    /// <summary>Once per key and window, when the watermark passes the window end plus grace.</summary>
    Final,

    /// <summary>On every event that changes the result (and nothing more at close).</summary>
    EveryUpdate,
}
