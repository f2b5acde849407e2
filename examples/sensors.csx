// Sensor monitoring: each sensor's average temperature over the last minute, every 30 s
// (hopping windows, final results), and an alert when a minute's average is above 80.0.
// Input: topic "readings", JSON lines {"sensor","celsius","at"}; outputs: "averages", "alerts".
//
//   ./cep run examples/sensors.csx --input readings=examples/data/readings.jsonl --exit-when-caught-up
public sealed record Reading(string Sensor, double Celsius, DateTimeOffset At);

static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("HH:mm:ss");

var averages = Topic("readings", Serde.Json<Reading>(),
        WatermarkStrategy<Reading>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(5))
            .WithTimestampAssigner(r => r.At.ToUnixTimeMilliseconds()))
    .KeyBy(r => r.Sensor)
    .Window(TimeWindows.Hopping(TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(30)))
    .Average(r => r.Celsius);
averages
    .Select(a => $"{a.Key} {Time(a.Window.Start)}-{Time(a.Window.End)} {a.Value:0.0}")
    .To("averages", Serde.Utf8String);
averages
    .Where(a => a.Value > 80.0)
    .Select(a => $"{a.Key} too hot: {a.Value:0.0} °C on average from {Time(a.Window.Start)} to {Time(a.Window.End)}")
    .To("alerts", Serde.Utf8String);
