using Cep.Engine.Patterns;
using static Cep.Engine.Tests.Pipeline;

namespace Cep.Engine.Tests.Patterns;

/// <summary>A pattern that cannot work fails when the query is built, naming the step.</summary>
public sealed class MalformedPatternTests
{
    private static Pattern<string> A => Pattern<string>.Begin("a").Where(e => e == "a");

    /// <summary>Builds the query (compiling the pattern) without running anything.</summary>
    private static MalformedPatternException Build(Func<Pattern<string>> pattern) =>
        Assert.Throws<MalformedPatternException>(() => Streams.FromItems(new System.Reactive.Subjects.Subject<StreamItem<string>>()).KeyBy(e => e).Pattern(pattern()));

    [Fact]
    public void A_name_used_twice()
    {
        var e = Build(() => A.FollowedBy("b").NotNext("a"));
        Assert.Equal("a", e.StepName);
        Assert.Contains("more than one step", e.Message);
    }

    [Fact]
    public void Skip_to_a_step_that_does_not_exist()
    {
        var e = Build(() => Pattern<string>.Begin("a", AfterMatchSkipStrategy.SkipToLast("nope")).FollowedBy("b"));
        Assert.Equal("nope", e.StepName);
    }

    [Fact]
    public void Ending_in_not_followed_by_without_within()
    {
        var e = Build(() => A.NotFollowedBy("never").Where(x => x == "b"));
        Assert.Equal("never", e.StepName);
        Assert.Contains("Within", e.Message);
    }

    [Fact]
    public void Ending_in_not_next()
    {
        Assert.Equal("n", Build(() => A.NotNext("n")).StepName);
    }

    [Fact]
    public void An_absence_after_an_optional_step()
    {
        Assert.Equal("n", Build(() => A.FollowedBy("b").Optional().NotFollowedBy("n").FollowedBy("c")).StepName);
    }

    [Fact]
    public void Every_step_optional()
    {
        Assert.Equal("a", Build(() => A.Optional().FollowedBy("b").Optional()).StepName);
    }

    [Fact]
    public void Greedy_on_the_last_step()
    {
        Assert.Equal("b", Build(() => A.FollowedBy("b").OneOrMore().Greedy()).StepName);
    }

    [Fact]
    public void Quantifier_faults_throw_at_once()
    {
        Assert.Equal("a", Assert.Throws<MalformedPatternException>(() => A.Times(0)).StepName);
        Assert.Equal("a", Assert.Throws<MalformedPatternException>(() => A.Times(3, 2)).StepName);
        Assert.Equal("a", Assert.Throws<MalformedPatternException>(() => A.Consecutive()).StepName);
        Assert.Equal("a", Assert.Throws<MalformedPatternException>(() => A.Greedy()).StepName);
        Assert.Equal("a", Assert.Throws<MalformedPatternException>(() => A.OneOrMore().Times(2)).StepName);
        Assert.Equal("a", Assert.Throws<MalformedPatternException>(() => A.OneOrMore().Consecutive().AllowCombinations()).StepName);
        Assert.Equal("n", Assert.Throws<MalformedPatternException>(() => A.NotNext("n").Optional()).StepName);
        Assert.Null(Assert.Throws<MalformedPatternException>(() => A.Within(TimeSpan.Zero)).StepName);
        Assert.Throws<MalformedPatternException>(() => Pattern<string>.Begin(" "));
    }

    [Fact]
    public void A_well_formed_pattern_builds()
    {
        var pattern = A.FollowedBy("b").OneOrMore().Greedy().NotNext("n").FollowedByAny("c").Times(1, 3).AllowCombinations().NotFollowedBy("z").Within(TimeSpan.FromSeconds(5));
        Assert.Equal("a b+ !next(n) c{1,3} !followedBy(z)", pattern.ToString());
        Assert.Empty(Events([E("a", 1)], s => s.KeyBy(e => e).Pattern(pattern).Select(m => m.Count)));
    }
}
