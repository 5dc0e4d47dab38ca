"""Scoring helpers for the bench scripts: word error rate and pause matching.

Text normalisation (applied to reference and hypothesis alike):
  - lowercase; "20 ,000" / "20,000" -> "20000" (Whisper word pieces split digit groups);
  - hyphens and slashes become spaces ("fan-out" == "fan out"), other punctuation is dropped,
    apostrophes are kept inside words ("don't");
  - numbers written with digits are spelled out the way the TTS scripts write them:
    "200" -> "two hundred", "20000" -> "twenty thousand", "10th" -> "tenth", "99%" ->
    "ninety nine percent", "3.5" -> "three point five". No "and" is inserted.
  - a few spoken forms are folded: "oh" between number words is read as "zero"
    ("three oh one" -> "three zero one"), and a reference "three zero one" still differs from
    a hypothesis "301" -> "three hundred one". Such digit-by-digit readings (codes, status
    numbers) are a KNOWN MISMATCH and count as errors; the scripts mostly avoid them.
  - fillers are kept ("um", "uh"): the coach keeps them, and they are in the scripts.

Pause matching: a true pause (>= min_s) is found when some detected pause has both ends within
`tol` seconds of it (each detected pause matches at most one true pause, greedily by total
boundary error). Precision = matched detected pauses / detected pauses >= min_s.
"""
import re
from statistics import median

ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
        "eighteen", "nineteen"]
TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
SCALES = [(10 ** 12, "trillion"), (10 ** 9, "billion"), (10 ** 6, "million"), (1000, "thousand")]
ORDINAL = {"one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
           "nine": "ninth", "twelve": "twelfth"}
NUMBER_WORDS = set(ONES) | set(TENS[2:]) | {"hundred", "thousand", "million", "billion"}


def number_words(n: int) -> list[str]:
    """Spell a non-negative integer as words, without "and": 301 -> three hundred one."""
    if n < 20:
        return [ONES[n]]
    if n < 100:
        return [TENS[n // 10]] + ([ONES[n % 10]] if n % 10 else [])
    if n < 1000:
        return [ONES[n // 100], "hundred"] + (number_words(n % 100) if n % 100 else [])
    for value, name in SCALES:
        if n >= value:
            rest = number_words(n % value) if n % value else []
            return number_words(n // value) + [name] + rest
    raise AssertionError(n)


def ordinal_words(n: int) -> list[str]:
    words = number_words(n)
    last = words[-1]
    if last in ORDINAL:
        words[-1] = ORDINAL[last]
    elif last.endswith("y"):
        words[-1] = last[:-1] + "ieth"
    else:
        words[-1] = last + "th"
    return words


def _spell_token(token: str) -> list[str]:
    m = re.fullmatch(r"(\d+)(st|nd|rd|th)", token)
    if m:
        return ordinal_words(int(m.group(1)))
    m = re.fullmatch(r"(\d+)\.(\d+)", token)
    if m:
        return number_words(int(m.group(1))) + ["point"] + [ONES[int(d)] for d in m.group(2)]
    if token.isdigit():
        return number_words(int(token))
    return [token]


def normalize(text: str) -> list[str]:
    """Normalised word list of a transcript or script text (see module docstring)."""
    text = text.lower()
    text = re.sub(r"(\d)\s*,\s*(?=\d{3}\b)", r"\1", text)  # 20 ,000 -> 20000
    text = text.replace("%", " percent ")
    text = re.sub(r"(?<=\d)\.(?=\d)", "<dot>", text)        # keep 3.5 together
    text = re.sub(r"[-/]", " ", text)
    text = re.sub(r"[^a-z0-9'<> ]+", " ", text)
    text = text.replace("<dot>", ".")
    words: list[str] = []
    for token in text.split():
        token = token.strip("'")
        if token:
            words.extend(_spell_token(token))
    # "three oh one": "oh" between number words is a spoken zero
    for i in range(1, len(words) - 1):
        if words[i] == "oh" and words[i - 1] in NUMBER_WORDS and words[i + 1] in NUMBER_WORDS:
            words[i] = "zero"
    return words


def edit_distance(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance over words (substitutions, insertions, deletions cost 1).

    One numpy row per reference word; the insertion chain within a row is a running
    minimum: cur[j] = min over k <= j of (base[k] + j - k) = j + cummin(base - k).
    """
    import numpy as np

    vocab: dict[str, int] = {}
    h = np.array([vocab.setdefault(w, len(vocab)) for w in hyp], dtype=np.int64)
    idx = np.arange(len(hyp) + 1)
    prev = idx.copy()
    for i, word in enumerate(ref, 1):
        code = vocab.get(word, -1)
        base = np.empty_like(prev)
        base[0] = i
        base[1:] = np.minimum(prev[1:] + 1, prev[:-1] + (h != code))
        prev = idx + np.minimum.accumulate(base - idx)
    return int(prev[-1])


def wer(reference: str, hypothesis: str) -> tuple[float, int, int]:
    """(word error rate, edit errors, reference words) after normalisation.

    O(n*m) but vectorised per row: 6,000 x 6,000 words takes well under a second.
    """
    ref, hyp = normalize(reference), normalize(hypothesis)
    errors = edit_distance(ref, hyp)
    return (errors / len(ref) if ref else float(bool(hyp))), errors, len(ref)


def match_pauses(truth, detected, min_s: float = 2.0, tol: float = 0.5) -> dict:
    """Match true and detected pauses given as (start, end) pairs in seconds.

    Returns recall, precision, the matched pairs and the pooled boundary errors
    (|start difference| and |end difference| of every matched pair), with their median.
    """
    true_long = [(s, e) for s, e in truth if e - s >= min_s]
    det_long = [(s, e) for s, e in detected if e - s >= min_s]
    candidates = sorted(
        (abs(ds - ts) + abs(de - te), ti, di)
        for ti, (ts, te) in enumerate(true_long)
        for di, (ds, de) in enumerate(detected)
        if abs(ds - ts) <= tol and abs(de - te) <= tol
    )
    used_t, used_d, pairs = set(), set(), []
    for _, ti, di in candidates:
        if ti not in used_t and di not in used_d:
            used_t.add(ti), used_d.add(di)
            pairs.append((true_long[ti], detected[di]))
    matched_long_det = sum(1 for _, (ds, de) in pairs if de - ds >= min_s)
    errors = [abs(d[0] - t[0]) for t, d in pairs] + [abs(d[1] - t[1]) for t, d in pairs]
    return {
        "true": len(true_long),
        "detected": len(det_long),
        "matched": len(pairs),
        "recall": len(pairs) / len(true_long) if true_long else None,
        "precision": matched_long_det / len(det_long) if det_long else None,
        "boundary_errors": errors,
        "median_boundary_error": median(errors) if errors else None,
        "pairs": pairs,
    }


def gaps_between_words(words, min_s: float = 2.0) -> list[tuple[float, float]]:
    """Pauses as gaps >= min_s between consecutive words ({'start','end'} dicts)."""
    ordered = sorted(words, key=lambda w: w["start"])
    return [(a["end"], b["start"]) for a, b in zip(ordered, ordered[1:])
            if b["start"] - a["end"] >= min_s]


def truth_text(truth: dict) -> str:
    """The spoken reference: utterance texts of a ground-truth JSON, in order."""
    return " ".join(u["text"] for u in truth["utterances"])


def truth_pauses(truth: dict) -> list[tuple[float, float]]:
    return [(p["start"], p["end"]) for p in truth["pauses"]]


def fmt(value, spec: str = ".2f", none: str = "-") -> str:
    return none if value is None else format(value, spec)


if __name__ == "__main__":  # tiny self-check
    assert normalize("About 20 ,000 reads a second.") == "about twenty thousand reads a second".split()
    assert normalize("a three oh one") == ["a", "three", "zero", "one"]
    assert normalize("the 99th percentile, 3.5 s, fan-out") == \
        "the ninety ninth percentile three point five s fan out".split()
    assert normalize("200 million, 10th") == ["two", "hundred", "million", "tenth"]
    assert wer("a b c d", "a x c")[:2] == (0.5, 2)
    assert edit_distance("k i t t e n".split(), "s i t t i n g".split()) == 3
    assert edit_distance([], ["a"]) == 1 and edit_distance(["a"], []) == 1
    import random
    rng = random.Random(1)
    for _ in range(200):  # against the textbook version
        a = [rng.choice("abc") for _ in range(rng.randrange(8))]
        b = [rng.choice("abc") for _ in range(rng.randrange(8))]
        d = [[i + j if not i * j else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
        for i in range(1, len(a) + 1):
            for j in range(1, len(b) + 1):
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
        assert edit_distance(a, b) == d[-1][-1], (a, b)
    m = match_pauses([(1, 4), (10, 12.5), (20, 20.5)], [(1.2, 3.9), (10.6, 12.5), (30, 33)])
    assert (m["matched"], m["recall"], m["precision"]) == (1, 0.5, 0.5), m  # (10.6, 12.5) is too short to count
    print("ok")
