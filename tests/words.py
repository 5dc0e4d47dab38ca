"""Build Word records from plain text, the way Whisper would give them, for analysis tests."""

from coach.records import Word


def words_from(text: str, *, start: float = 0.0, rate: float = 0.3, gaps: dict[int, float] | None = None) -> list[Word]:
    """One Word per whitespace token, ``rate`` seconds each; ``gaps`` adds silence before word index n."""
    out, t = [], start
    for n, token in enumerate(text.split()):
        t += (gaps or {}).get(n, 0.0)
        out.append(Word(round(t, 3), round(t + rate * 0.8, 3), token, 0.9))
        t += rate
    return out
