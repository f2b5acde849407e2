// Clickstream sessions: a user's clicks belong to one session until they pause for 5 minutes
// (session windows); each session's page count, first and last click, when it closes.
// Input: topic "clicks", JSON lines {"user","page","at"}; output: topic "sessions".
//
//   ./cep run examples/sessions.csx --input clicks=examples/data/clicks.jsonl --exit-when-caught-up
public sealed record Click(string User, string Page, DateTimeOffset At);

static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("HH:mm:ss");

Topic("clicks", Serde.Json<Click>(),
        WatermarkStrategy<Click>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(10))
            .WithTimestampAssigner(c => c.At.ToUnixTimeMilliseconds()))
    .KeyBy(c => c.User)
    .Window(SessionWindows.WithGap(TimeSpan.FromMinutes(5)))
    .Count()
    .Select(s => $"{s.Key}: {s.Value} clicks from {Time(s.Window.Start)} to {Time(s.Window.End - 1)}")
    .To("sessions", Serde.Utf8String);
