// Stock V-shape, in MATCH_RECOGNIZE's text form: a price that falls one or more ticks in a
// row and then rises above where it started, within 10 minutes (consecutive ticks).
// Input: topic "ticks", JSON lines {"symbol","price","at"}; output: topic "v-shapes".
//
//   ./cep run examples/v-shape.csx --input ticks=examples/data/ticks.jsonl --exit-when-caught-up
public sealed record Tick(string Symbol, decimal Price, DateTimeOffset At);

var define = new MatchDefinitions<Tick>
{
    { "DOWN", (t, m) => t.Price < (m.Events("DOWN") is { Count: > 0 } down ? down[^1] : m.Events("START")[^1]).Price },
    { "UP", (t, m) => t.Price > m.Events("START")[0].Price },
};
Topic("ticks", Serde.Json<Tick>(),
        WatermarkStrategy<Tick>.ForMonotonicTimestamps().WithTimestampAssigner(t => t.At.ToUnixTimeMilliseconds()))
    .KeyBy(t => t.Symbol)
    .MatchRecognize("PATTERN (START DOWN+ UP) WITHIN 10m", define,
        m => $"{m["START"][0].Symbol}: {m["START"][0].Price} down to {m["DOWN"][^1].Price} and back up to {m["UP"][0].Price} at {m["UP"][0].At:HH:mm}")
    .To("v-shapes", Serde.Utf8String);
