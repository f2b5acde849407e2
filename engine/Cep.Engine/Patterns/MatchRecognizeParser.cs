using System.Globalization;

namespace Cep.Engine.Patterns;

/// <summary>
/// Parses the pattern part of a MATCH_RECOGNIZE clause (Flink SQL's subset), by recursive
/// descent over the characters:
/// <code>
/// [skip] PATTERN ( variable[quantifier[?]] … ) [WITHIN duration] [skip]
/// quantifier: * | + | ? | {n} | {n,} | {n,m} | {,m}
/// duration:   10m | 5s | 250ms | 1h | 2d | INTERVAL '10' SECOND|MINUTE|HOUR|DAY
/// skip:       AFTER MATCH SKIP (PAST LAST ROW | TO NEXT ROW | TO FIRST v | TO LAST v | TO v)
/// </code>
/// Keywords and units are case-insensitive, variables case-sensitive. A quantifier and its
/// reluctant '?' follow the variable without a space (as in a regular expression), so
/// "A ?" is a mistake rather than a silent optional. Every fault throws
/// <see cref="MalformedPatternException"/> with the column it was found at.
/// </summary>
internal sealed class MatchRecognizeParser
{
    private const string Units = "ms, s, m, h, d";

    private readonly string _text;
    private int _pos;

    private MatchRecognizeParser(string text)
    {
        _text = text;
    }

    private bool AtEnd => _pos >= _text.Length;

    public static ParsedPattern Parse(string text) => new MatchRecognizeParser(text).Parse();

    private ParsedPattern Parse()
    {
        List<PatternVariable>? variables = null;
        int variablesColumn = 0;
        TimeSpan? window = null;
        (AfterMatchSkipStrategy Strategy, int TargetPos)? skip = null;
        SkipSpaces();
        if (AtEnd)
        {
            throw Fail(_pos, "empty text: expected PATTERN ( … )");
        }
        while (!AtEnd)
        {
            int start = _pos;
            if (variables is null && AtWord("PATTERN"))
            {
                ReadWord();
                variablesColumn = Column(SkipSpacesTo());
                variables = ParseVariables();
            }
            else if (variables is not null && window is null && AtWord("WITHIN"))
            {
                ReadWord();
                window = ParseDuration();
            }
            else if (skip is null && AtWord("AFTER"))
            {
                skip = ParseSkip();
            }
            else
            {
                throw Fail(start, Misplaced(variables is not null, window is not null, skip is not null));
            }
            SkipSpaces();
        }
        if (variables is null)
        {
            throw Fail(_pos, "expected PATTERN ( … ) after AFTER MATCH SKIP");
        }
        var strategy = skip?.Strategy ?? AfterMatchSkipStrategy.SkipPastLastEvent;
        if (strategy.StepName is { } target)
        {
            CheckSkipTarget(variables, strategy, target, skip!.Value.TargetPos);
        }
        return new ParsedPattern(_text, variables, variablesColumn, window, strategy);
    }

    /// <summary>Why the word or character at the position cannot come here.</summary>
    private string Misplaced(bool hasPattern, bool hasWindow, bool hasSkip) => _text[_pos] switch
    {
        ')' => "unbalanced parentheses: ')' without '('",
        _ when AtWord("PATTERN") => "PATTERN is given twice",
        _ when AtWord("WITHIN") => hasWindow ? "WITHIN is given twice" : "WITHIN comes after PATTERN ( … )",
        _ when AtWord("AFTER") && hasSkip => "AFTER MATCH SKIP is given twice",
        _ => Unexpected(_pos) + (hasPattern ? "" : ": expected PATTERN ( … )"),
    };

    private List<PatternVariable> ParseVariables()
    {
        int open = _pos;
        Expect('(', "'(' after PATTERN");
        var variables = new List<PatternVariable>();
        while (true)
        {
            SkipSpaces();
            if (AtEnd)
            {
                throw Fail(open, "unbalanced parentheses: this '(' is never closed");
            }
            char c = _text[_pos];
            if (c == ')')
            {
                break;
            }
            if (!IsWordStart(c))
            {
                throw Fail(_pos, c switch
                {
                    '(' => "pattern groups are not supported (as in Flink SQL): quantify single variables",
                    '|' => "alternation (|) is not supported (as in Flink SQL)",
                    '*' or '+' or '?' or '{' => $"'{c}' follows no variable (a quantifier comes right after its variable, without a space)",
                    _ => Unexpected(_pos),
                });
            }
            int at = _pos;
            string name = ReadWord();
            if (variables.Find(v => v.Name == name) is { } earlier)
            {
                throw Fail(at, $"the variable is used twice (first at col {earlier.Column})", name);
            }
            variables.Add(ParseQuantifier(name, at));
        }
        if (variables.Count == 0)
        {
            throw Fail(_pos, "empty pattern: PATTERN () needs at least one variable");
        }
        _pos++; // ')'
        return variables;
    }

    /// <summary>Reads the quantifier right after variable <paramref name="name"/> (none for exactly one row) and its reluctant '?'.</summary>
    private PatternVariable ParseQuantifier(string name, int at)
    {
        int start = _pos;
        char c = AtEnd ? '\0' : _text[_pos];
        (int Low, int High)? bounds = c switch
        {
            '*' => (0, int.MaxValue),
            '+' => (1, int.MaxValue),
            '?' => (0, 1),
            '{' => null,
            _ => (1, 1),
        };
        if (c is '*' or '+' or '?')
        {
            _pos++;
        }
        var (low, high) = bounds ?? ParseBounds(name);
        bool quantified = _pos > start;
        bool reluctant = quantified && !AtEnd && _text[_pos] == '?';
        if (reluctant)
        {
            if (low == 0 && high == 1)
            {
                throw Fail(_pos, $"a reluctant optional quantifier ({_text[start.._pos]}?) is not supported (as in Flink SQL)", name);
            }
            _pos++;
        }
        return new PatternVariable(name, Column(at), Math.Max(low, 1), high, low == 0, reluctant);
    }

    /// <summary>{n}, {n,}, {n,m} or {,m}, with Flink SQL's rules: n &gt; 0 for {n}, m &gt; 0, n ≤ m.</summary>
    private (int Low, int High) ParseBounds(string name)
    {
        int open = _pos;
        _pos++; // '{'
        SkipSpaces();
        int? low = ReadCount(name);
        SkipSpaces();
        int? high = low;
        bool comma = Accept(',');
        if (comma)
        {
            SkipSpaces();
            high = ReadCount(name);
            SkipSpaces();
        }
        if (AtEnd || _text[_pos] != '}')
        {
            string expected = (comma, comma ? high : low) switch
            {
                (true, null) => "a count or '}'",
                (true, _) => "'}'",
                (false, null) => "a count",
                _ => "',' or '}'",
            };
            throw Fail(AtEnd ? open : _pos, AtEnd ? "unbalanced braces: this '{' is never closed" : $"{Unexpected(_pos)}: expected {expected}", name);
        }
        _pos++;
        string written = _text[open.._pos];
        if (low is null && high is null)
        {
            throw Fail(open, $"{written} needs a count", name);
        }
        int min = low ?? 0, max = high ?? int.MaxValue;
        if (max == 0)
        {
            throw Fail(open, $"{written} matches no rows: the maximum must be at least 1", name);
        }
        if (max < min)
        {
            throw Fail(open, $"{written} needs min ≤ max", name);
        }
        return (min, max);
    }

    private int? ReadCount(string name)
    {
        int start = _pos;
        while (!AtEnd && char.IsAsciiDigit(_text[_pos]))
        {
            _pos++;
        }
        if (_pos == start)
        {
            return null;
        }
        return int.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out int count) && count < int.MaxValue
            ? count
            : throw Fail(start, $"{_text[start.._pos]} is too large a count", name);
    }

    /// <summary>10m, 5s, 250ms, 1h, 2d (a number and a unit, no space) or INTERVAL '10' MINUTE; at least 1 ms.</summary>
    private TimeSpan ParseDuration()
    {
        int start = SkipSpacesTo();
        decimal amount;
        int unitPos;
        string unit;
        if (AtWord("INTERVAL"))
        {
            ReadWord();
            int quote = SkipSpacesTo();
            Expect('\'', "a quoted number after INTERVAL (INTERVAL '10' MINUTE)");
            amount = ReadAmount() ?? throw Fail(_pos, "expected a number in quotes (INTERVAL '10' MINUTE)");
            if (!Accept('\''))
            {
                throw Fail(AtEnd ? quote : _pos, AtEnd ? "unbalanced quotes: this ' is never closed" : Unexpected(_pos) + ": expected the closing '");
            }
            unitPos = SkipSpacesTo();
            unit = AtEnd ? "" : ReadWord();
            unit = unit.ToUpperInvariant() switch
            {
                "SECOND" => "s",
                "MINUTE" => "m",
                "HOUR" => "h",
                "DAY" => "d",
                _ => throw Fail(unitPos, unit.Length == 0 ? "expected a time unit (SECOND, MINUTE, HOUR, DAY)" : $"unknown time unit '{unit}' (SECOND, MINUTE, HOUR, DAY)"),
            };
        }
        else
        {
            amount = ReadAmount() ?? throw Fail(_pos, (AtEnd ? "expected" : Unexpected(_pos) + ": expected") + " a duration after WITHIN (10m, 5s, 250ms, INTERVAL '10' MINUTE…)");
            unitPos = _pos;
            unit = AtEnd || !IsWordStart(_text[_pos]) ? "" : ReadWord();
            if (unit.ToLowerInvariant() is not ("ms" or "s" or "m" or "h" or "d"))
            {
                throw Fail(unitPos, unit.Length == 0 ? $"the duration needs a unit right after the number ({Units})" : $"unknown time unit '{unit}' ({Units})");
            }
        }
        decimal ms = amount * unit.ToLowerInvariant() switch
        {
            "ms" => 1m,
            "s" => 1_000m,
            "m" => 60_000m,
            "h" => 3_600_000m,
            _ => 86_400_000m,
        };
        if (ms < 1)
        {
            throw Fail(start, "WITHIN needs at least 1 ms");
        }
        if (ms > (decimal)TimeSpan.MaxValue.TotalMilliseconds)
        {
            throw Fail(start, "WITHIN is too long");
        }
        return TimeSpan.FromTicks((long)(ms * TimeSpan.TicksPerMillisecond));
    }

    private decimal? ReadAmount()
    {
        int start = _pos;
        while (!AtEnd && (char.IsAsciiDigit(_text[_pos]) || (_text[_pos] == '.' && _pos > start)))
        {
            _pos++;
        }
        if (_pos == start)
        {
            return null;
        }
        return decimal.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal amount)
            ? amount
            : throw Fail(start, $"'{_text[start.._pos]}' is not a number");
    }

    /// <summary>AFTER MATCH SKIP …; returns the strategy and where its variable is written (for the check once the variables are known).</summary>
    private (AfterMatchSkipStrategy, int) ParseSkip()
    {
        ReadWord(); // AFTER
        ExpectWord("MATCH", "after AFTER");
        ExpectWord("SKIP", "after AFTER MATCH");
        SkipSpaces();
        if (AtWord("PAST"))
        {
            ReadWord();
            ExpectWord("LAST", "after SKIP PAST");
            ExpectWord("ROW", "after SKIP PAST LAST");
            return (AfterMatchSkipStrategy.SkipPastLastEvent, -1);
        }
        ExpectWord("TO", "after SKIP (SKIP PAST LAST ROW, SKIP TO NEXT ROW, SKIP TO FIRST v, SKIP TO LAST v)");
        int target = SkipSpacesTo();
        string word = AtEnd || !IsWordStart(_text[_pos]) ? throw Fail(_pos, (AtEnd ? "expected" : Unexpected(_pos) + ": expected") + " NEXT ROW, FIRST v, LAST v or a variable after SKIP TO") : ReadWord();
        // A variable may be called NEXT, FIRST or LAST: the keyword reading wins only when what
        // follows fits it, as "SKIP TO v" is short for "SKIP TO LAST v".
        int after = SkipSpacesTo();
        string upper = word.ToUpperInvariant();
        if (upper == "NEXT" && AtWord("ROW"))
        {
            ReadWord();
            return (AfterMatchSkipStrategy.SkipToNext, -1);
        }
        if (upper is "FIRST" or "LAST" && !AtEnd && IsWordStart(_text[_pos]) && !AtWord("PATTERN") && !AtWord("WITHIN"))
        {
            string variable = ReadWord();
            return (upper == "FIRST" ? AfterMatchSkipStrategy.SkipToFirst(variable) : AfterMatchSkipStrategy.SkipToLast(variable), after);
        }
        _pos = after;
        return (AfterMatchSkipStrategy.SkipToLast(word), target);
    }

    /// <summary>
    /// The variable must be in the pattern; and skipping to the first row of the match just
    /// found (its first variable, when that binds exactly that row) would start the same match
    /// again — the SQL standard makes it a runtime error, here it fails when the query is built.
    /// </summary>
    private void CheckSkipTarget(List<PatternVariable> variables, AfterMatchSkipStrategy skip, string target, int at)
    {
        if (!variables.Exists(v => v.Name == target))
        {
            throw Fail(at, $"AFTER MATCH SKIP TO names a variable the pattern does not have (variables: {string.Join(", ", variables.Select(v => v.Name))})", target);
        }
        var first = variables[0];
        if (first.Name == target && !first.Optional && (skip.Kind == AfterMatchSkipKind.SkipToFirst || first.Max == 1))
        {
            throw Fail(at, "skipping to the first row of the match just found would find it again without end (an error in SQL too): use SKIP TO NEXT ROW", target);
        }
    }

    private void Expect(char c, string what)
    {
        if (!Accept(c))
        {
            throw Fail(_pos, $"{(AtEnd ? "expected" : Unexpected(_pos) + ": expected")} {what}");
        }
    }

    private void ExpectWord(string keyword, string where)
    {
        SkipSpaces();
        if (!AtWord(keyword))
        {
            throw Fail(_pos, $"{(AtEnd ? "expected" : Unexpected(_pos) + ": expected")} {keyword} {where}");
        }
        ReadWord();
    }

    private bool Accept(char c)
    {
        if (!AtEnd && _text[_pos] == c)
        {
            _pos++;
            return true;
        }
        return false;
    }

    /// <summary>Whether the word at the position is <paramref name="keyword"/> (case-insensitive, whole word).</summary>
    private bool AtWord(string keyword) =>
        string.Compare(_text, _pos, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) == 0
        && (_pos + keyword.Length == _text.Length || !IsWordPart(_text[_pos + keyword.Length]));

    private string ReadWord()
    {
        int start = _pos;
        while (!AtEnd && IsWordPart(_text[_pos]))
        {
            _pos++;
        }
        return _text[start.._pos];
    }

    private void SkipSpaces()
    {
        while (!AtEnd && char.IsWhiteSpace(_text[_pos]))
        {
            _pos++;
        }
    }

    private int SkipSpacesTo()
    {
        SkipSpaces();
        return _pos;
    }

    /// <summary>"unexpected 'x'" for the word, number or character at <paramref name="pos"/>.</summary>
    private string Unexpected(int pos)
    {
        int end = pos + 1;
        if (IsWordPart(_text[pos]))
        {
            while (end < _text.Length && IsWordPart(_text[end]))
            {
                end++;
            }
        }
        return $"unexpected '{_text[pos..end]}'";
    }

    private static bool IsWordStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsWordPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static int Column(int pos) => pos + 1;

    private MalformedPatternException Fail(int pos, string message, string? variable = null) => new(variable, message, _text, Column(pos));
}
