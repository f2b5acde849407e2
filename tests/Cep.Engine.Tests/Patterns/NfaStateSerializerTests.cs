using System.Buffers;
using Cep.Engine.Patterns;
using Cep.Engine.Serdes;

namespace Cep.Engine.Tests.Patterns;

/// <summary>A key's matching state written out and read back: matching goes on exactly as if it had never left.</summary>
public sealed class NfaStateSerializerTests
{
    // a b+ c with relaxed contiguity and combinations in the loop: many branches sharing bindings.
    private static readonly Pattern<string> Loop = Pattern<string>.Begin("a").Where(e => e.Is('a'))
        .FollowedBy("b").Where(e => e.Is('b')).OneOrMore().AllowCombinations()
        .FollowedBy("c").Where(e => e.Is('c'))
        .Within(TimeSpan.FromMilliseconds(20));

    private static readonly string[] Input = "a1 b1 x a2 b2 b3 c1 b4 a3 b5 c2 b6 c3 b7 b8 c4".Split(' ');

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(12)]
    public void Restored_state_matches_the_rest_of_the_input_as_the_original_does(int cut)
    {
        var nfa = NfaCompiler.Compile(Loop);
        var serializer = new NfaStateSerializer<string>(nfa, Serde.Utf8String);
        var original = new Driver(nfa, new NfaState<string>(new SharedBuffer<string>()));
        for (int i = 0; i < cut; i++)
        {
            original.Process(Input[i], i + 1);
        }
        Assert.True(original.State.PartialCount > 1, "the cut should fall where branches share bindings");
        byte[] bytes = Write(serializer, original.State);
        var restored = new Driver(nfa, serializer.Deserialize(bytes, new SharedBuffer<string>()));
        Assert.Equal(original.State.Buffer.EventCount, restored.State.Buffer.EventCount);
        Assert.Equal(original.State.Buffer.NodeCount, restored.State.Buffer.NodeCount);
        Assert.Equal(bytes, Write(serializer, restored.State)); // the same state, the same bytes
        original.Output.Clear();
        for (int i = cut; i < Input.Length; i++)
        {
            original.Process(Input[i], i + 1);
            restored.Process(Input[i], i + 1);
        }
        original.End();
        restored.End();
        Assert.NotEmpty(original.Output);
        Assert.Equal(original.Output, restored.Output);
        Assert.True(restored.State.Buffer.IsEmpty);
    }

    /// <summary>
    /// Under a skip strategy a completed match waits while an earlier-started partial match is
    /// alive: a b, where b must carry a's digit. After a1 a2 b2, {a2 b2} is held behind a1's
    /// partial match; that held match is state too.
    /// </summary>
    [Fact]
    public void Held_matches_survive_a_restore()
    {
        var pattern = Pattern<string>.Begin("a", AfterMatchSkipStrategy.SkipToNext).Where(e => e.Is('a'))
            .FollowedBy("b").Where((e, match) => e.Is('b') && e[1] == match.Events("a")[0][1]);
        var nfa = NfaCompiler.Compile(pattern);
        var serializer = new NfaStateSerializer<string>(nfa, Serde.Utf8String);
        string[] input = ["a1", "a2", "b2", "x", "b1"];
        var original = new Driver(nfa, new NfaState<string>(new SharedBuffer<string>()));
        for (int i = 0; i < 3; i++)
        {
            original.Process(input[i], i + 1);
        }
        Assert.Empty(original.Output);
        Assert.Single(original.State.HeldMatches!);
        var restored = new Driver(nfa, serializer.Deserialize(Write(serializer, original.State), new SharedBuffer<string>()));
        Assert.Single(restored.State.HeldMatches!);
        for (int i = 3; i < input.Length; i++)
        {
            original.Process(input[i], i + 1);
            restored.Process(input[i], i + 1);
        }
        original.End();
        restored.End();
        Assert.Equal(["{a1 b1}@5", "{a2 b2}@5"], original.Output); // the held one goes out when released, after the earlier-started one
        Assert.Equal(original.Output, restored.Output);
        Assert.True(restored.State.Buffer.IsEmpty);
    }

    [Fact]
    public void State_of_another_pattern_shape_is_refused()
    {
        var nfa = NfaCompiler.Compile(Loop);
        var driver = new Driver(nfa, new NfaState<string>(new SharedBuffer<string>()));
        driver.Process("a1", 1);
        byte[] bytes = Write(new NfaStateSerializer<string>(nfa, Serde.Utf8String), driver.State);
        var other = NfaCompiler.Compile(Pattern<string>.Begin("a").Where(e => e.Is('a')).FollowedBy("b").Where(e => e.Is('b')).Within(TimeSpan.FromMilliseconds(20)));
        var error = Assert.Throws<InvalidDataException>(() => new NfaStateSerializer<string>(other, Serde.Utf8String).Deserialize(bytes, new SharedBuffer<string>()));
        Assert.Contains("another pattern shape", error.Message);
    }

    [Fact]
    public void Damaged_state_is_refused_and_leaves_the_buffer_as_it_was()
    {
        var nfa = NfaCompiler.Compile(Loop);
        var serializer = new NfaStateSerializer<string>(nfa, Serde.Utf8String);
        var driver = new Driver(nfa, new NfaState<string>(new SharedBuffer<string>()));
        foreach (var (e, t) in new[] { ("a1", 1), ("b1", 2), ("b2", 3) })
        {
            driver.Process(e, t);
        }
        byte[] bytes = Write(serializer, driver.State);
        var buffer = new SharedBuffer<string>();
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => serializer.Deserialize(bytes.AsSpan(0, length), buffer));
            Assert.True(buffer.IsEmpty, $"cut at {length} of {bytes.Length} left slots behind");
        }
        bytes[0] = 9;
        Assert.Contains("version 9", Assert.Throws<InvalidDataException>(() => serializer.Deserialize(bytes, buffer)).Message);
    }

    private static byte[] Write(NfaStateSerializer<string> serializer, NfaState<string> state)
    {
        var output = new ArrayBufferWriter<byte>();
        serializer.Serialize(state, output);
        return output.WrittenSpan.ToArray();
    }

    /// <summary>One key through the automaton in time order, as the operator drives it; matches and timeouts as lines.</summary>
    private sealed class Driver(Nfa<string> nfa, NfaState<string> state)
    {
        private readonly PatternContext<string> _context = nfa.CreateContext();
        private readonly List<ComputationState> _spare = [];
        private readonly List<PendingMatch> _completed = [];
        private readonly List<PendingMatch> _timedOut = [];
        private readonly List<MatchResult<string>> _emitted = [];

        public NfaState<string> State => state;

        public List<string> Output { get; } = [];

        public void Process(string e, long t)
        {
            Advance(t - 1);
            nfa.Process(state, StreamItem<string>.Event(e, t), _context, _spare, _completed);
            Emit(t);
        }

        public void End() => Advance(long.MaxValue);

        private void Advance(long time)
        {
            nfa.AdvanceTime(state, time, _completed, _timedOut);
            foreach (var m in _timedOut)
            {
                Output.Add("timeout " + PatternRun.Format(nfa.Materialize(state.Buffer, m.Node, m.Timestamp).Events));
                state.Buffer.Release(m.Node);
            }
            _timedOut.Clear();
            Emit(time);
        }

        private void Emit(long now)
        {
            nfa.Emit(state, _completed, _emitted, now);
            Output.AddRange(_emitted.Select(m => $"{PatternRun.Format(m.Events)}@{m.Timestamp}"));
            _emitted.Clear();
        }
    }
}
