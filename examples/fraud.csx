// Card fraud: a tiny payment (under 2.00) followed on the same card by a large one (over
// 500.00) within 10 minutes — the pattern of a stolen card being tested, then used.
// Input: topic "payments", JSON lines {"card","amount","at"}; output: topic "alerts".
//
//   ./cep run examples/fraud.csx --input payments=examples/data/payments.jsonl --exit-when-caught-up
//
// Event time is the payment's "at"; payments may arrive up to 30 s out of order.
public sealed record Payment(string Card, decimal Amount, DateTimeOffset At);

Topic("payments", Serde.Json<Payment>(),
        WatermarkStrategy<Payment>.ForBoundedOutOfOrderness(TimeSpan.FromSeconds(30))
            .WithTimestampAssigner(p => p.At.ToUnixTimeMilliseconds()))
    .KeyBy(p => p.Card)
    .Pattern(Pattern<Payment>.Begin("test").Where(p => p.Amount < 2m)
        .FollowedBy("use").Where(p => p.Amount > 500m)
        .Within(TimeSpan.FromMinutes(10)))
    .Select(m => $"card {m["test"][0].Card}: {m["test"][0].Amount:0.00} at {m["test"][0].At:HH:mm:ss}, then {m["use"][0].Amount:0.00} at {m["use"][0].At:HH:mm:ss}")
    .To("alerts", Serde.Utf8String);
