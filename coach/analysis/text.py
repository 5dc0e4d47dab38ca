"""Tokens and phrase patterns that survive a tiny model's spelling.

Transcripts from small Whisper models are noisy: "rate limiter" comes out as
"right limiter", "cache" as "cash", "scalable" as "scolvable". A pattern
token therefore matches a transcript token when the two are equal, close in
spelling, or sound alike (a consonant skeleton, like a very small Metaphone).

Pattern syntax (the lexicon's phrase lists use it):

* ``word``      one token, matched robustly as above (short words exactly);
* ``word,``     the token must be followed by a comma in the transcript
                ("like," the filler, not "looks like");
* ``,word``     the token must follow a comma that ends a clause: not a lead-in's
                ("..., so bandwidth is the limit", not "okay, so"), or a full stop
                the speaker ran straight past (see :func:`_ends_clause`);
* ``*``         zero to three arbitrary tokens ("if * goes down");
* ``{name}``    any entry of the named vocabulary list ("we'll use {tech}");
* ``#``         one number, in digits or in words ("about # requests");
* ``a|b``       either alternative, for one token ("is|it's obvious");
* ``^``         (first) the match must begin a sentence or follow a pause;
* ``$``         (last) the match must end a sentence: punctuation or a pause follows.

A vocabulary list may include another by naming it as an entry (``tech = ["{component}", "{product}"]``);
:func:`expand_vocab` flattens such lists before patterns are compiled with them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from coach.records import Word

MAX_GAP_TOKENS = 3
"""How many tokens one ``*`` may skip."""

NEW_UTTERANCE_GAP_S = 0.6
"""A silence this long between two words starts a new sentence for ``^``, punctuation or not."""

_SPLIT = re.compile(r"[^\w']+")
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million millions billion billions trillion half quarter percent".split()
)


@dataclass(frozen=True, slots=True)
class Token:
    """One normalised token of the transcript, with the word it came from."""

    text: str  # lower case, no punctuation
    key: str  # consonant skeleton, for sound-alike matching
    word: int  # index into the session's words
    start: float
    end: float
    comma_after: bool
    sentence_end: bool  # the word ends a sentence (. ? !)
    question: bool  # the sentence it ends is a question

    @property
    def is_number(self) -> bool:
        return self.text.replace(".", "").isdigit() or self.text in _NUMBER_WORDS


def tokenize(words: Sequence[Word]) -> list[Token]:
    """The words as matchable tokens; a word like "trade-off" gives two tokens."""
    tokens = []
    for index, word in enumerate(words):
        raw = word.text.strip()
        pieces = [p for p in _SPLIT.split(raw.lower().replace(",000", "000")) if p.strip("'")]
        for n, piece in enumerate(pieces):
            last = n == len(pieces) - 1
            tokens.append(
                Token(
                    text=piece.strip("'"),
                    key=sound_key(piece),
                    word=index,
                    start=word.start,
                    end=word.end,
                    comma_after=last and raw.endswith(","),
                    sentence_end=last and raw.endswith((".", "?", "!")),
                    question=last and raw.endswith("?"),
                )
            )
    return tokens


@lru_cache(maxsize=65536)
def sound_key(word: str) -> str:
    """A consonant skeleton: "right" and "rate" both give "rt", "cash" and "cache" both "kx"."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return word
    # "x" becomes "ks" before "sh"/"ch" become "x", so "cache" (kx) stays apart from "case" (ks)
    for a, b in (("x", "ks"), ("tch", "x"), ("sch", "sk"), ("gh", ""), ("ph", "f"), ("ck", "k"), ("sh", "x"),
                 ("ch", "x"), ("th", "0"), ("wr", "r"), ("kn", "n"), ("qu", "kw"), ("q", "k"), ("z", "s"),
                 ("dg", "j")):
        w = w.replace(a, b)
    w = re.sub(r"c(?=[eiy])", "s", w).replace("c", "k")
    head, tail = w[0], re.sub(r"[aeiouy]", "", w[1:])
    if head in "aeiouy":
        head = "a"
    key = head + tail
    return re.sub(r"(.)\1+", r"\1", key)


FUZZY_ALONE_MIN = 9
"""A word standing alone in a pattern is matched loosely only from this length on: shorter words have
real neighbours ("shard" and "shared" sound alike; "sharding" is one letter from "sharing", which
flagged "sharing comes later" as scaling talk in three mocks), long ones rarely do."""


def tokens_match(pattern: str, token: Token, fuzzy: bool = True) -> bool:
    """Does one pattern word match one transcript token, allowing for ASR misspellings?

    With ``fuzzy`` off (a pattern of one short word, with no phrase around it to confirm a
    near-miss), only the word itself and its plural match.
    """
    text = token.text
    if pattern == text or text in (pattern + "s", pattern + "es") or (pattern.endswith("y") and text == pattern[:-1] + "ies"):
        return True
    if not fuzzy and len(pattern) < FUZZY_ALONE_MIN:
        return False
    if len(pattern) < 4 or len(text) < 4 or pattern.isdigit() or text.isdigit():
        return False
    if sound_key(pattern) == token.key and len(token.key) >= 2 and abs(len(pattern) - len(token.text)) <= 2:
        return True
    # misrecognitions keep the opening sound ("scolvable" for "scalable"); two edits only for long words
    limit = 1 if len(pattern) <= 8 else 2
    return (pattern[0] == token.text[0] and abs(len(pattern) - len(token.text)) <= limit
            and _edit_distance(pattern, token.text, limit) <= limit)


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning limit + 1) as soon as it must exceed ``limit``."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled phrase pattern: a sequence of alternatives, gaps and vocabulary slots."""

    source: str
    anchored: bool  # must begin a sentence
    fuzzy: bool  # more than one word: the phrase confirms a near-miss of one of them
    parts: tuple  # each: ("word", (alternatives...), comma, comma_before) | ("gap",) | ("number",) | ("vocab", ((tokens...), ...))
    closed: bool = False  # must end a sentence (checked by find, as anchored is)

    def find(self, tokens: Sequence[Token], index: TokenIndex | None = None) -> Iterator[tuple[int, int]]:
        """Every (first, last + 1) token span where the pattern matches.

        With an ``index`` only the positions whose token could begin a match
        are tried, which makes a lexicon of hundreds of patterns cheap.
        """
        starts = range(len(tokens)) if index is None else index.candidates(self._first_words(), self.fuzzy)
        for i in starts:
            if self.anchored and not starts_sentence(tokens, i):
                continue
            end = self.match_at(tokens, i)
            if end is not None:
                yield i, end

    def match_at(self, tokens: Sequence[Token], i: int) -> int | None:
        """End (exclusive) of a match beginning at token ``i``, or None."""
        return self._match_at(tokens, i, 0)

    def _first_words(self) -> tuple[str, ...] | None:
        """Words one of which must open a match, or None when the pattern opens with a gap or a number."""
        kind = self.parts[0][0] if self.parts else "gap"
        if kind == "word":
            return self.parts[0][1]
        if kind == "vocab":
            return tuple(entry[0] for entry in self.parts[0][1])
        return None

    def _match_at(self, tokens: Sequence[Token], i: int, part: int) -> int | None:
        if part == len(self.parts):
            # checked here, not on the first match found, so that a gap before it ("right, * $") can stretch
            ends = not self.closed or i >= len(tokens) or starts_sentence(tokens, i, lead_ins=False)
            return i if ends else None
        kind = self.parts[part][0]
        if kind == "gap":
            for skip in range(MAX_GAP_TOKENS + 1):
                if i + skip > len(tokens):
                    break
                end = self._match_at(tokens, i + skip, part + 1)
                if end is not None:
                    return end
            return None
        if kind == "number":
            return self._match_at(tokens, i + 1, part + 1) if i < len(tokens) and tokens[i].is_number else None
        if kind == "word":
            _, alternatives, comma, comma_before = self.parts[part]
            if i < len(tokens) and any(tokens_match(a, tokens[i], self.fuzzy) for a in alternatives):
                if (comma and not tokens[i].comma_after) or (comma_before and not _ends_clause(tokens, i - 1)):
                    return None
                return self._match_at(tokens, i + 1, part + 1)
            return None
        _, entries = self.parts[part]  # vocab: the longest entry that matches wins
        for entry in entries:
            n = len(entry)
            if i + n <= len(tokens) and all(tokens_match(w, t, self.fuzzy) for w, t in zip(entry, tokens[i : i + n])):
                end = self._match_at(tokens, i + n, part + 1)
                if end is not None:
                    return end
        return None


FLOWING_STOP_S = 0.2
"""A full stop followed this soon by the next word was no stop in the speech."""
CLAUSE_MIN_TOKENS = 4
"""...when the sentence it ends is at least this long ("Yes. So, ..." is a lead-in, not a clause)."""


def _ends_clause(tokens: Sequence[Token], i: int) -> bool:
    """Does token ``i`` end a clause: a comma follows it, and it is not a lead-in ("okay, so")?

    A full stop with no pause after it counts too, after a clause of some length: a small model
    splits "..., so X" into "... . So, X" as often as not, where the speaker never stopped.
    """
    if i < 0 or tokens[i].text in LEAD_INS:
        return False
    if tokens[i].comma_after:
        return True
    return (tokens[i].sentence_end and not tokens[i].question and i + 1 < len(tokens)
            and tokens[i + 1].start - tokens[i].end <= FLOWING_STOP_S
            and i + 1 >= CLAUSE_MIN_TOKENS and not any(t.sentence_end for t in tokens[i - CLAUSE_MIN_TOKENS + 1 : i]))


LEAD_INS = frozenset("and so okay ok um uh hmm then now but well right oh wait actually alright yeah".split())
"""Words a speaker puts before the start of what they mean: "And let's store it in Redis", "Oh, um, wait, do..."."""


def starts_sentence(tokens: Sequence[Token], i: int, *, lead_ins: bool = True) -> bool:
    """Does token ``i`` begin a sentence (after punctuation or a pause), or follow one lead-in word that does?"""
    if i == 0:
        return True
    before = tokens[i - 1]
    if before.sentence_end or tokens[i].start - before.end >= NEW_UTTERANCE_GAP_S:
        return True
    return lead_ins and before.text in LEAD_INS and starts_sentence(tokens, i - 1)


MAX_SENTENCE_TOKENS = 40
"""Longer runs without punctuation or pause are cut, so one sentence cannot swallow a minute of talk."""


@dataclass(frozen=True, slots=True)
class Sentence:
    """Tokens [first, end) that form one sentence, and its times."""

    first: int
    end: int
    start_s: float
    end_s: float


QUESTION_OPENERS = frozenset("what what's how does do is are should can will would which who".split())
"""A sentence opening with one of these is a question even when the transcript has no question mark."""


QUESTION_LEAD_INS = frozenset("and also roughly um uh".split())
"""Words a question may open with before its question word: "And can clicks come in late", "Roughly how many".
Not :data:`LEAD_INS`: after "so", "now" or "okay" a question word as often opens a statement ("So what we do is ...")."""


TAG_WORDS = frozenset("okay ok right yeah correct".split())
"""A statement ending "..., okay?" is a tag question: it asks for a nod, not for information."""


def is_question(sentence: Sequence[Token]) -> bool:
    """Ends with a question mark, or opens like one (small models often drop the mark); tag questions are not."""
    if not sentence:
        return False
    lead = next((i for i, t in enumerate(sentence[:3]) if t.text not in QUESTION_LEAD_INS), 0)
    opens_like_one = sentence[lead].text in QUESTION_OPENERS
    if sentence[-1].question and sentence[-1].text in TAG_WORDS and not opens_like_one:
        return False
    return sentence[-1].question or (len(sentence) >= 4 and opens_like_one)


def split_sentences(tokens: Sequence[Token]) -> list[Sentence]:
    """Sentences by punctuation or by a pause between words, at most ``MAX_SENTENCE_TOKENS`` long."""
    sentences = []
    first = 0
    for i in range(1, len(tokens) + 1):
        if i == len(tokens) or starts_sentence(tokens, i, lead_ins=False) or i - first >= MAX_SENTENCE_TOKENS:
            sentences.append(Sentence(first, i, tokens[first].start, tokens[i - 1].end))
            first = i
    return sentences


def sentence_numbers(sentences: Sequence[Sentence], n_tokens: int) -> list[int]:
    """For each token, the number of the sentence that holds it."""
    numbers = [0] * n_tokens
    for n, sentence in enumerate(sentences):
        numbers[sentence.first : sentence.end] = [n] * (sentence.end - sentence.first)
    return numbers


class TokenIndex:
    """Positions of each distinct token, to find where a pattern may start without trying every position."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self._count = len(tokens)
        self._positions: dict[Token, list[int]] = {}
        for i, token in enumerate(tokens):
            self._positions.setdefault(_shape(token), []).append(i)
        self._cache: dict[tuple[str, bool], list[int]] = {}

    def candidates(self, first_words: tuple[str, ...] | None, fuzzy: bool = True) -> list[int]:
        if first_words is None:
            return list(range(self._count))
        found: set[int] = set()
        for word in first_words:
            if (word, fuzzy) not in self._cache:
                # the same test as the match itself, once per distinct token rather than per position
                self._cache[word, fuzzy] = [
                    i for shape, at in self._positions.items() if tokens_match(word, shape, fuzzy) for i in at
                ]
            found.update(self._cache[word, fuzzy])
        return sorted(found)


def _shape(token: Token) -> Token:
    """What :func:`tokens_match` looks at in a token: its text and sound key, not its place."""
    return Token(token.text, token.key, 0, 0.0, 0.0, False, False, False)


def compile_pattern(source: str, vocab: Mapping[str, Sequence[str]], *, loose: bool = False) -> Pattern:
    """Compile one pattern (syntax in the module docstring); ``{name}`` must be a key of ``vocab``.

    A pattern of one word matches near-misses only when ``loose``: right for evidence that is
    weighed in bulk (phase cues), wrong for a flag shown to the user as a claim.
    """
    parts: list[tuple] = []
    words = source.lower().split()
    anchored = bool(words) and words[0] == "^"
    closed = bool(words) and words[-1] == "$"
    for raw in words[int(anchored) : len(words) - int(closed)]:
        if raw == "*":
            parts.append(("gap",))
        elif raw == "#":
            parts.append(("number",))
        elif raw.startswith("{") and raw.endswith("}"):
            name = raw[1:-1]
            if name not in vocab:
                raise KeyError(f"pattern {source!r} uses unknown vocabulary {{{name}}}")
            entries = sorted((tuple(_words(e)) for e in vocab[name]), key=len, reverse=True)
            parts.append(("vocab", tuple(e for e in entries if e)))
        else:
            comma, comma_before = raw.endswith(","), raw.startswith(",")
            raw = raw.strip(",")
            alternatives = tuple(w for alt in raw.split("|") for w in _words(alt)[:1])
            # multi-token alternatives ("trade-off") expand into consecutive words
            words = _words(raw.split("|")[0])
            if len(words) > 1 and "|" not in raw:
                parts.extend(("word", (w,), False, comma_before and n == 0) for n, w in enumerate(words[:-1]))
                alternatives, comma_before = (words[-1],), False
            parts.append(("word", alternatives, comma, comma_before))
    if not parts:
        raise ValueError(f"pattern {source!r} has no words")
    wordy = [p for p in parts if p[0] != "gap"]
    return Pattern(source, anchored, loose or len(wordy) > 1, tuple(parts), closed)


def expand_vocab(vocab: Mapping[str, Sequence[str]]) -> dict[str, tuple[str, ...]]:
    """The lists with each entry ``{name}`` replaced by the entries of list ``name`` (one level deep).

    So a lexicon can name a part of a list on its own ("{product}") and the whole ("{tech}").
    """
    expanded = {}
    for name, entries in vocab.items():
        flat: list[str] = []
        for entry in entries:
            if entry.startswith("{") and entry.endswith("}"):
                if entry[1:-1] not in vocab:
                    raise KeyError(f"vocabulary {name!r} includes unknown list {entry}")
                flat.extend(vocab[entry[1:-1]])
            else:
                flat.append(entry)
        expanded[name] = tuple(flat)
    return expanded


def _words(text: str) -> list[str]:
    return [p.strip("'") for p in _SPLIT.split(text.lower().replace(",000", "000")) if p.strip("'")]
